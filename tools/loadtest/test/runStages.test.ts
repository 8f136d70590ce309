// The stage runner against a real HTTP server: what it counts matches what the server saw, every
// failure lands in its kind, each stage holds its own rate, and a run never outlasts its stages.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCount, Outcomes } from '../src/outcomes.js';
import { runStages } from '../src/runStages.js';
import type { Stage } from '../src/stages.js';
import { json, startServer, type TestServer } from './support/httpServer.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer((request, response) => {
    if (request.path === '/hang') return; // never answers: the client's timeout has to fire
    if (request.path === '/fail') return json(response, 503, { error: 'unavailable' });
    json(response, request.method === 'POST' ? 201 : 200, { ok: true });
  });
});
afterAll(() => server.close());

const stage = (seconds: number, connections: number, rate = 0): Stage => ({
  name: `${connections}x${rate}`,
  seconds,
  connections,
  rate,
});

async function run(
  stages: Stage[],
  paths: string[],
  options: { target?: string; timeout?: number } = {},
) {
  const outcomes = new Outcomes();
  const before = server.arrivals.length;
  const started = performance.now();
  const results = await runStages({
    target: options.target ?? server.url,
    stages,
    requests: paths.map((path) => ({ method: 'GET', path })),
    timeoutSeconds: options.timeout ?? 10,
    outcomes,
  });
  return {
    outcomes,
    results,
    arrivals: server.arrivals.slice(before),
    seconds: (performance.now() - started) / 1000,
  };
}

describe('runStages', () => {
  it('counts every answered request once', async () => {
    const { outcomes, results, arrivals } = await run([stage(0.5, 4)], ['/ok']);
    const responses = outcomes.seconds.reduce((sum, s) => sum + s.responses, 0);
    expect(responses).toBeGreaterThan(50);
    expect(results[0]!.totals.responses).toBe(responses);
    // Requests still in flight when the stage stops reach the server but are never answered.
    expect(arrivals.length - responses).toBeGreaterThanOrEqual(0);
    expect(arrivals.length - responses).toBeLessThanOrEqual(4);
    expect(errorCount(results[0]!.totals.errors)).toBe(0);
  });

  it('files HTTP errors by status', async () => {
    const { results } = await run([stage(0.5, 2)], ['/ok', '/fail']);
    const { responses, errors } = results[0]!.totals;
    expect([...errors.keys()]).toEqual(['HTTP 503']);
    // Each connection alternates: half the answers (within one per connection) are 503s.
    expect(Math.abs(errors.get('HTTP 503')! - responses / 2)).toBeLessThanOrEqual(2);
  });

  it('files timeouts and refused connections apart', async () => {
    // autocannon's shortest timeout is one second.
    const hung = await run([stage(1.3, 2)], ['/hang'], { timeout: 1 });
    expect([...hung.results[0]!.totals.errors.keys()]).toEqual(['timeout']);
    expect(hung.results[0]!.totals.errors.get('timeout')).toBe(2);
    expect(hung.results[0]!.totals.responses).toBe(0);

    const closed = await closedPort();
    const refused = await run([stage(0.3, 1)], ['/ok'], { target: closed });
    expect([...refused.results[0]!.totals.errors.keys()]).toEqual(['connection ECONNREFUSED']);
  });

  it('holds each stage to its own rate, in order', async () => {
    const { results, arrivals } = await run([stage(1.2, 2, 10), stage(1.2, 4, 40)], ['/ok']);
    expect(results.map((r) => r.stage.rate)).toEqual([10, 40]);
    const [slow, fast] = results.map((r) => r.totals.responses);
    // autocannon sends a second's quota at the start of each second of a stage: 1.2 s is two.
    expect(slow).toBeGreaterThanOrEqual(15);
    expect(slow).toBeLessThanOrEqual(20);
    expect(fast).toBeGreaterThanOrEqual(60);
    expect(fast).toBeLessThanOrEqual(80);
    // The server saw the same shape: the second stage four times as busy as the first.
    const start = arrivals[0]!.at;
    const first = arrivals.filter((a) => a.at - start < 1100).length;
    expect(first).toBeLessThanOrEqual(20);
    expect(arrivals.length - first).toBeGreaterThanOrEqual(3 * first);
  });

  it('ends on time even when the server never answers', async () => {
    const { seconds, results } = await run([stage(0.3, 2), stage(0.3, 2)], ['/hang']);
    expect(results).toHaveLength(2);
    expect(seconds).toBeLessThan(1);
    expect(results.every((r) => r.totals.seconds < 0.5)).toBe(true);
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}
