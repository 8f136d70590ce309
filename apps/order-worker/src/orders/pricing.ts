// The deterministic part of processing: the same order always prices to the same totals, so a
// redelivered order can never be processed into a different result.
import type { OrderCreatedV1 } from '../messages/orderCreated.js';

export interface Totals {
  currency: 'EUR';
  subtotalCents: number;
  taxCents: number;
  shippingCents: number;
  totalCents: number;
}

const TAX_PERCENT = 21;
const SHIPPING_CENTS = 499;
const FREE_SHIPPING_FROM_CENTS = 5000;

/** A stable price per SKU, 1.00 to 99.99 EUR (FNV-1a hash: no catalogue needed for the demo). */
export function unitPriceCents(sku: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(sku, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 100 + (hash % 9900);
}

export function priceOrder(items: OrderCreatedV1['items']): Totals {
  const subtotalCents = items.reduce(
    (sum, item) => sum + unitPriceCents(item.sku) * item.quantity,
    0,
  );
  const taxCents = Math.round((subtotalCents * TAX_PERCENT) / 100);
  const shippingCents = subtotalCents >= FREE_SHIPPING_FROM_CENTS ? 0 : SHIPPING_CENTS;
  return {
    currency: 'EUR',
    subtotalCents,
    taxCents,
    shippingCents,
    totalCents: subtotalCents + taxCents + shippingCents,
  };
}
