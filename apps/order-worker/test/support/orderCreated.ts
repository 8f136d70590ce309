import { randomUUID } from 'node:crypto';
import type { OrderCreatedV1 } from '../../src/messages/orderCreated.js';

/** A valid order.created message, with fields overridden (also with invalid values, for poison). */
export function orderCreated(
  overrides: Partial<Record<keyof OrderCreatedV1, unknown>> = {},
): OrderCreatedV1 {
  return {
    version: 1,
    type: 'order.created',
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    orderId: randomUUID(),
    customerId: 'c-1',
    items: [{ sku: 'SKU-1', quantity: 2 }],
    ...overrides,
  } as OrderCreatedV1;
}
