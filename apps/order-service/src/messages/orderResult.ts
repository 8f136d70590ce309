// The result events that order-service consumes: order-worker owns these contracts (see its
// README); this is order-service's own copy, checked against real worker output in its tests.
import { z } from 'zod';

const envelope = {
  version: z.literal(1),
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

export type OrderResultV1 = z.infer<typeof orderResultV1>;

/** Routing keys of the result events, bound to the results queue. */
export const RESULT_ROUTING_KEYS = ['order.processed', 'order.failed'] as const;
