import type { OrderCreatedV1 } from '../messages/orderCreated.js';
import { orderResultV1, resultEventId, type OrderResultV1 } from '../messages/orderResult.js';
import { priceOrder } from './pricing.js';

function euros(cents: number): string {
  return `${(cents / 100).toFixed(2)} EUR`;
}

/**
 * The result event for an order: processed with its totals, or failed when the total exceeds
 * the credit limit. Everything but `occurredAt` depends only on the order, so processing a
 * redelivered order again publishes the same result with the same event id.
 */
export function orderResult(
  order: OrderCreatedV1,
  creditLimitCents: number,
  now = new Date(),
): OrderResultV1 {
  const totals = priceOrder(order.items);
  const common = { version: 1 as const, occurredAt: now.toISOString(), orderId: order.orderId };
  const event: OrderResultV1 =
    totals.totalCents > creditLimitCents
      ? {
          ...common,
          type: 'order.failed',
          eventId: resultEventId(order.eventId, 'order.failed'),
          reason: {
            code: 'credit_limit_exceeded',
            message: `The total of ${euros(totals.totalCents)} exceeds the credit limit of ${euros(creditLimitCents)}`,
          },
        }
      : {
          ...common,
          type: 'order.processed',
          eventId: resultEventId(order.eventId, 'order.processed'),
          totals,
          itemCount: order.items.reduce((sum, item) => sum + item.quantity, 0),
        };
  // The producer checks its own contract before anything leaves the process.
  return orderResultV1.parse(event);
}
