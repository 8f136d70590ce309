// The order.created contract, owned by order-service (it publishes it through the outbox).
// Consumers keep their own copy of this schema; changing it means a new version.
import { z } from 'zod';

export const ORDER_CREATED = 'order.created';

export const orderCreatedV1 = z.object({
  version: z.literal(1),
  type: z.literal(ORDER_CREATED),
  /** Unique per event; also the AMQP message-id. Consumers may use it to deduplicate. */
  eventId: z.uuid(),
  occurredAt: z.iso.datetime(),
  orderId: z.uuid(),
  customerId: z.string().min(1).max(64),
  items: z
    .array(
      z.object({
        sku: z.string().min(1).max(64),
        quantity: z.number().int().min(1).max(1000),
      }),
    )
    .min(1)
    .max(100),
});

export type OrderCreatedV1 = z.infer<typeof orderCreatedV1>;
