// The result events, owned by order-worker (it publishes them). order-service keeps its own
// copy of these schemas; changing one means a new version.
import { createHash } from 'node:crypto';
import { z } from 'zod';

const envelope = {
  version: z.literal(1),
  /** Derived from the order.created event, so reprocessing yields the same event id. */
  eventId: z.uuid(),
  occurredAt: z.iso.datetime(),
  orderId: z.uuid(),
};
const cents = z.number().int().min(0);

export const orderProcessedV1 = z.object({
  ...envelope,
  type: z.literal('order.processed'),
  totals: z.object({
    currency: z.string().length(3),
    subtotalCents: cents,
    taxCents: cents,
    shippingCents: cents,
    totalCents: cents,
  }),
  itemCount: z.number().int().min(1),
});

export const orderFailedV1 = z.object({
  ...envelope,
  type: z.literal('order.failed'),
  reason: z.object({ code: z.string().min(1), message: z.string() }),
});

export const orderResultV1 = z.discriminatedUnion('type', [orderProcessedV1, orderFailedV1]);

export type OrderProcessedV1 = z.infer<typeof orderProcessedV1>;
export type OrderFailedV1 = z.infer<typeof orderFailedV1>;
export type OrderResultV1 = z.infer<typeof orderResultV1>;

/**
 * A name-based UUID from a seed: the same seed always gives the same id. Its bits come from
 * SHA-256, so it is a version 8 (custom) UUID of RFC 9562; version 5 is SHA-1 by definition.
 */
export function resultEventId(orderEventId: string, type: OrderResultV1['type']): string {
  const bytes = createHash('sha256').update(`${orderEventId}:${type}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
