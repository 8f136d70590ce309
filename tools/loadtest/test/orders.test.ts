// The orders scenario against a real HTTP stand-in for order-service: every POST carries its own
// Idempotency-Key, every accepted order is followed until final, and one that never leaves
// pending fails the run within the follow-up's limit.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Outcomes } from '../src/outcomes.js';
import { runStages } from '../src/runStages.js';
import { orders } from '../src/scenarios/orders.js';
import { scaleStages } from '../src/stages.js';
import { json, startServer, type TestServer } from './support/httpServer.js';

let server: TestServer | undefined;
afterEach(() => server?.close());

/** Orders become `processed` `delayMs` after they were accepted, except those `stuck` says. */
async function orderService(delayMs: number, stuck: (index: number) => boolean) {
  const accepted = new Map<string, { at: number; stuck: boolean }>();
  server = await startServer((request, response) => {
    if (request.method === 'POST' && request.path === '/orders') {
      const id = randomUUID();
      accepted.set(id, { at: performance.now(), stuck: stuck(accepted.size) });
      return json(response, 202, { id, status: 'pending', ...JSON.parse(request.body) });
    }
    const order = accepted.get(request.path.replace('/orders/', ''));
    if (!order) return json(response, 404, { error: 'not_found' });
    const done = !order.stuck && performance.now() - order.at >= delayMs;
    json(response, 200, { status: done ? 'processed' : 'pending' });
  });
  return { server, accepted };
}

async function runOrders(target: string, loadSeconds: number, followSeconds: number) {
  const run = orders.prepare();
  const results = await runStages({
    target,
    stages: scaleStages(orders.stages, loadSeconds, { connections: 4, rate: 40 }),
    requests: run.requests,
    timeoutSeconds: 5,
    outcomes: new Outcomes(),
  });
  const lines: string[] = [];
  const after = await run.afterLoad!({
    target,
    limitSeconds: followSeconds,
    signal: new AbortController().signal,
    log: (line) => lines.push(line),
  });
  return { results, after, lines };
}

describe('orders scenario', () => {
  it('sends a fresh Idempotency-Key with each order and follows every accepted one', async () => {
    const { server, accepted } = await orderService(100, () => false);
    const { results, after } = await runOrders(server.url, 0.6, 10);

    const posts = server.arrivals.filter((a) => a.method === 'POST');
    const keys = new Set(posts.map((post) => post.headers['idempotency-key']));
    expect(keys.size).toBe(posts.length);
    const bodies = posts.map((post) => JSON.parse(post.body) as { items: unknown[] });
    expect(bodies.every((body) => body.items.length === 1)).toBe(true);
    const answered = results.reduce((sum, r) => sum + r.totals.responses, 0);
    expect(after.lines[0]).toBe(`orders accepted (202): ${answered}`);
    expect(after.lines[1]).toMatch(new RegExp(`^orders final: ${answered} processed, the last`));
    expect(after.ok).toBe(true);
    // Each accepted order was looked up until it was final, and none that was never accepted.
    const followed = new Set(server.arrivals.filter((a) => a.method === 'GET').map((a) => a.path));
    expect(followed.size).toBe(answered);
    expect(accepted.size).toBeGreaterThanOrEqual(answered);
  });

  it('fails when an accepted order stays pending past the limit', async () => {
    const { server } = await orderService(0, (index) => index === 3);
    const started = performance.now();
    const { after, lines } = await runOrders(server.url, 0.5, 1);
    expect(after.ok).toBe(false);
    expect(after.lines.at(-1)).toBe('orders still pending after 1 s: 1');
    expect(lines.at(-1)).toMatch(/ 1 pending$/);
    expect(performance.now() - started).toBeLessThan(500 + 1000 + 500);
  });
});
