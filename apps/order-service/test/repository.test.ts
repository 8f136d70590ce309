// OrderRepository's batched writes against a real PostgreSQL: every caller gets its own row's
// outcome, whatever else shares its statement.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderRepository, type ResultUpdate } from '../src/orders/orderRepository.js';
import { placeOrder } from '../src/orders/placeOrder.js';
import { migratedDatabase, type MigratedDatabase } from './support/database.js';
import { orderBody } from './support/orders.js';

let db: MigratedDatabase;
let orders: OrderRepository;

beforeAll(async () => {
  db = await migratedDatabase();
  orders = new OrderRepository(db.pool, { maxBatch: 50, maxConcurrentBatches: 2, maxQueued: 1000 });
});

afterAll(async () => {
  await db?.close();
});

const processed = (id: string, totalCents: number): ResultUpdate => ({
  id,
  status: 'processed',
  result: { totals: { currency: 'EUR', totalCents } },
  processedAt: new Date(),
});

describe('batched writes', () => {
  it('inserts concurrent orders, one bad row failing alone', async () => {
    const good = Array.from({ length: 20 }, (_, n) =>
      placeOrder(orders, orderBody(n), `batch-${n}`),
    );
    // A NUL character is the one thing PostgreSQL text refuses (the HTTP schema never lets it in).
    const bad = placeOrder(
      orders,
      { customerId: 'bad\u0000customer', items: [{ sku: 'A', quantity: 1 }] },
      undefined,
    );
    const results = await Promise.allSettled([...good, bad]);
    expect(results.slice(0, 20).every((result) => result.status === 'fulfilled')).toBe(true);
    expect(results[20]!.status).toBe('rejected');
    const { rows } = await db.pool.query<{ orders: number; messages: number }>(
      `SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM outbox) AS messages`,
    );
    expect(rows[0]).toEqual({ orders: 20, messages: 20 });
  });

  it('applies the first of several results for one order in a batch, and judges the rest', async () => {
    const { order } = await placeOrder(orders, orderBody(1), undefined);
    const other = await placeOrder(orders, orderBody(2), undefined);
    const outcomes = await Promise.all([
      orders.applyResult(processed(order.id, 100)),
      orders.applyResult(processed(order.id, 100)),
      orders.applyResult(processed(order.id, 999)),
      orders.applyResult(processed(other.order.id, 200)),
      orders.applyResult(processed(randomUUID(), 300)),
    ]);
    expect(outcomes.map((result) => result.outcome)).toEqual([
      'applied',
      'duplicate',
      'conflict',
      'applied',
      'unknown_order',
    ]);
    expect((await orders.findById(order.id))?.result).toEqual({
      totals: { currency: 'EUR', totalCents: 100 },
    });
  });
});
