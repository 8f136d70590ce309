// The deterministic part of processing: same order in, same result out.
import { describe, expect, it } from 'vitest';
import { orderResultV1, resultEventId } from '../src/messages/orderResult.js';
import { orderResult } from '../src/orders/orderResult.js';
import { priceOrder, unitPriceCents } from '../src/orders/pricing.js';
import { orderCreated } from './support/orderCreated.js';

describe('pricing', () => {
  it('gives every SKU a stable price between 1.00 and 99.99', () => {
    for (const sku of ['A', 'SKU-1', 'sku-1', 'X'.repeat(64)]) {
      const price = unitPriceCents(sku);
      expect(price).toBe(unitPriceCents(sku));
      expect(price).toBeGreaterThanOrEqual(100);
      expect(price).toBeLessThanOrEqual(9999);
    }
    expect(unitPriceCents('SKU-1')).not.toBe(unitPriceCents('sku-1'));
  });

  it('adds 21% tax, and shipping below 50.00', () => {
    const price = unitPriceCents('A');
    const small = priceOrder([{ sku: 'A', quantity: 1 }]);
    expect(small).toEqual({
      currency: 'EUR',
      subtotalCents: price,
      taxCents: Math.round(price * 0.21),
      shippingCents: price >= 5000 ? 0 : 499,
      totalCents: price + Math.round(price * 0.21) + (price >= 5000 ? 0 : 499),
    });
    const large = priceOrder([
      { sku: 'A', quantity: 100 },
      { sku: 'B', quantity: 3 },
    ]);
    expect(large.subtotalCents).toBe(price * 100 + unitPriceCents('B') * 3);
    expect(large.shippingCents).toBe(0);
  });
});

describe('order results', () => {
  it('processes the same order into the same result, with the same event id', () => {
    const created = orderCreated({ items: [{ sku: 'A', quantity: 2 }] });
    const first = orderResult(created, 1_000_000, new Date('2026-01-01T00:00:00Z'));
    const again = orderResult(created, 1_000_000, new Date('2026-01-01T00:00:05Z'));
    expect({ ...again, occurredAt: first.occurredAt }).toEqual(first);
    expect(first).toMatchObject({
      type: 'order.processed',
      orderId: created.orderId,
      itemCount: 2,
    });
    expect(first.eventId).toBe(resultEventId(created.eventId, 'order.processed'));
    // RFC 9562 version 8 (custom: SHA-256 based), variant 10xx.
    expect(first.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(orderResultV1.parse(first)).toEqual(first);
  });

  it('fails an order over the credit limit with the reason', () => {
    const created = orderCreated({ items: [{ sku: 'A', quantity: 1000 }] });
    const result = orderResult(created, 10_000);
    expect(result).toMatchObject({
      type: 'order.failed',
      reason: {
        code: 'credit_limit_exceeded',
        message: expect.stringContaining('100.00 EUR') as string,
      },
    });
    expect(result.eventId).not.toBe(resultEventId(created.eventId, 'order.processed'));
  });
});
