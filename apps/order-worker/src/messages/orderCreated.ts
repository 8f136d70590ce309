// order-worker's copy of the order.created contract. order-service owns it (see its README);
// apps never import each other, so the worker keeps the schema it reads, checked against real
// order-service output in test/contract.test.ts.
import { z } from 'zod';

export const ORDER_CREATED = 'order.created';

export const orderCreatedV1 = z.object({
  version: z.literal(1),
  type: z.literal(ORDER_CREATED),
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
