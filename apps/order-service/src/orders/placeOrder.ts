import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '@taller/postgres';
import { ApiError } from '@taller/telemetry';
import { ORDER_CREATED, orderCreatedV1 } from '../messages/orderCreated.js';
import type { OrderItem, OrderRepository, StoredOrder } from './orderRepository.js';

export interface OrderRequest {
  customerId: string;
  items: OrderItem[];
}

export interface PlacedOrder {
  order: StoredOrder;
  /** True when an Idempotency-Key matched an earlier request: nothing new was created. */
  replayed: boolean;
}

// A dropped connection is retried with the same order id: if the first attempt committed, the
// retry conflicts on the id and finds it, so a retry never creates a second order.
const ATTEMPTS = 3;

function requestHash({ customerId, items }: OrderRequest): string {
  const canonical = JSON.stringify([customerId, items.map(({ sku, quantity }) => [sku, quantity])]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * Stores a new order with its order.created message, or returns the order an earlier request
 * with the same Idempotency-Key created. The same key with a different request is a 422.
 */
export async function placeOrder(
  orders: OrderRepository,
  request: OrderRequest,
  idempotencyKey: string | undefined,
): Promise<PlacedOrder> {
  const id = randomUUID();
  const createdAt = new Date();
  const items = request.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const hash = requestHash(request);
  // Validated on the way out too: the producer never publishes what its own contract rejects.
  const message = orderCreatedV1.parse({
    version: 1,
    type: ORDER_CREATED,
    eventId: randomUUID(),
    occurredAt: createdAt.toISOString(),
    orderId: id,
    customerId: request.customerId,
    items,
  });
  const row = {
    id,
    customerId: request.customerId,
    items,
    idempotencyKey: idempotencyKey ?? null,
    requestHash: hash,
    createdAt,
    message: { id: message.eventId, routingKey: ORDER_CREATED, body: JSON.stringify(message) },
  };

  for (let attempt = 1; ; attempt += 1) {
    try {
      const created = await orders.insert(row);
      if (created) return { order: created, replayed: false };
      const existing = idempotencyKey
        ? await orders.findByIdempotencyKey(idempotencyKey)
        : await orders.findById(id);
      if (!existing) throw new Error('the order conflicted with a row that is not visible');
      if (existing.id === id) return { order: existing, replayed: false };
      if (existing.requestHash !== hash) {
        throw new ApiError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request',
          { details: { orderId: existing.id } },
        );
      }
      return { order: existing, replayed: true };
    } catch (error) {
      if (attempt >= ATTEMPTS || !isDatabaseUnavailable(error)) throw error;
      await sleep(100 * attempt);
    }
  }
}
