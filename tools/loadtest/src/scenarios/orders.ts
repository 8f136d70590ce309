// The order service: a burst of POST /orders, each with its own Idempotency-Key, then every
// accepted order followed through GET /orders/:id until the worker has processed it. The burst is
// what makes order-worker's queue grow (and its autoscaler act); the follow-up proves none is lost.
import { randomUUID } from 'node:crypto';
import type { AfterLoad, AfterLoadResult, Scenario } from './scenario.js';

const FOLLOW_CONCURRENCY = 16;

export const orders: Scenario = {
  name: 'orders',
  description:
    'a burst of POST /orders with Idempotency-Keys, then each order followed until final',
  targetVariable: 'ORDERS_URL',
  defaultTarget: 'http://localhost:3001',
  stages: [
    { name: 'warm up', share: 0.1, connections: 1 / 8, rate: 1 / 8 },
    { name: 'burst', share: 0.7, connections: 1, rate: 1 },
    { name: 'tail', share: 0.2, connections: 1 / 8, rate: 1 / 8 },
  ],
  peak: { connections: 32, rate: 0 },
  prepare() {
    const accepted: string[] = [];
    let sent = 0;
    return {
      requests: [
        {
          method: 'POST',
          path: '/orders',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            sent += 1;
            return {
              ...request,
              headers: { ...request.headers, 'idempotency-key': randomUUID() },
              body: JSON.stringify({
                customerId: `load-${sent % 50}`,
                items: [{ sku: `SKU-${sent % 7}`, quantity: 1 + (sent % 5) }],
              }),
            };
          },
          onResponse: (status, body) => {
            if (status === 202) accepted.push((JSON.parse(body) as { id: string }).id);
          },
        },
      ],
      afterLoad: (context) => followOrders(accepted, context),
    };
  },
};

/** Polls every accepted order until none is pending or the limit passes. */
export async function followOrders(ids: string[], context: AfterLoad): Promise<AfterLoadResult> {
  const started = performance.now();
  const deadline = started + context.limitSeconds * 1000;
  const pending = new Set(ids);
  const final = new Map<string, number>();
  let settledAfter = 0;
  while (pending.size > 0 && performance.now() < deadline && !context.signal.aborted) {
    const round = [...pending];
    const work = async () => {
      for (let id = round.pop(); id && performance.now() < deadline; id = round.pop()) {
        const status = await orderStatus(context.target, id);
        if (status && status !== 'pending') {
          pending.delete(id);
          final.set(status, (final.get(status) ?? 0) + 1);
          settledAfter = (performance.now() - started) / 1000;
        }
      }
    };
    await Promise.all(Array.from({ length: FOLLOW_CONCURRENCY }, work));
    context.log(
      `orders: ${ids.length - pending.size}/${ids.length} final, ${pending.size} pending`,
    );
    const pause = Math.min(1000, deadline - performance.now());
    if (pending.size > 0 && pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  const counts = [...final].map(([status, count]) => `${count} ${status}`).join(', ');
  return {
    lines: [
      `orders accepted (202): ${ids.length}`,
      `orders final: ${counts || 'none'}${ids.length > 0 ? `, the last ${settledAfter.toFixed(1)} s after the load` : ''}`,
      ...(pending.size > 0
        ? [`orders still pending after ${context.limitSeconds} s: ${pending.size}`]
        : []),
    ],
    // No order accepted at all is a failed burst too (a wrong target answers 404, not 202).
    ok: ids.length > 0 && pending.size === 0,
  };
}

async function orderStatus(target: string, id: string): Promise<string | undefined> {
  try {
    const response = await fetch(new URL(`/orders/${id}`, target), {
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return undefined;
    return ((await response.json()) as { status: string }).status;
  } catch {
    return undefined; // a failed look is retried in the next round
  }
}
