import { uniqueName, waitFor, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type ErrorJson } from './support/http.js';
import { migratedDatabase, startTestApp, type TestApp } from './support/testApp.js';

let database: TestDatabase;
const apps: TestApp[] = [];

beforeAll(async () => {
  database = await migratedDatabase();
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await database?.drop();
});

/** Two replicas sharing one Redis (and one key prefix), as behind a Service. */
async function twoReplicas(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const shared = { REDIS_PREFIX: `${uniqueName('ratelimit')}:`, ...env };
  const pair = [
    await startTestApp(database.url, shared),
    await startTestApp(database.url, shared),
  ] as [TestApp, TestApp];
  apps.push(...pair);
  return pair;
}

describe('rate limit', () => {
  it('is shared by two instances on one Redis and answers 429 with Retry-After', async () => {
    const [a, b] = await twoReplicas({ RATE_LIMIT_POINTS: '6', RATE_LIMIT_WINDOW_SECONDS: '30' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push((await call(i % 2 === 0 ? a.url : b.url, 'GET', '/api/tasks')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);

    for (const replica of [a, b]) {
      const refused = await call<ErrorJson>(replica.url, 'GET', '/api/tasks');
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
      expect(refused.body.error).toEqual({
        code: 'rate_limited',
        message: expect.any(String) as string,
        details: { limit: 6, windowSeconds: 30, retryAfterSeconds: retryAfter },
      });
      expect(await replica.metric('rate_limited_requests_total')).toBe(1);
    }
    // Probes, metrics and the page are never limited.
    expect((await call(a.url, 'GET', '/readyz')).status).toBe(200);
    expect((await fetch(`${a.url}/`)).status).toBe(200);
  });

  it('counts each client separately (by X-Forwarded-For behind a trusted proxy)', async () => {
    const [a, b] = await twoReplicas({ RATE_LIMIT_POINTS: '2', TRUST_PROXY: 'loopback' });
    const from = (url: string, client: string) =>
      call(url, 'GET', '/api/tasks', { headers: { 'x-forwarded-for': client } });
    expect((await from(a.url, '203.0.113.1')).status).toBe(200);
    expect((await from(b.url, '203.0.113.1')).status).toBe(200);
    expect((await from(a.url, '203.0.113.1')).status).toBe(429);
    expect((await from(b.url, '203.0.113.2')).status).toBe(200);
  });

  it('opens a new window once the old one ends', async () => {
    const [a] = await twoReplicas({ RATE_LIMIT_POINTS: '1', RATE_LIMIT_WINDOW_SECONDS: '1' });
    expect((await call(a.url, 'GET', '/api/tasks')).status).toBe(200);
    const refused = await call(a.url, 'GET', '/api/tasks');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const status = await waitFor(
      'a request allowed in the next window',
      async () => {
        const reply = await call(a.url, 'GET', '/api/tasks');
        return reply.status !== 429 && reply.status;
      },
      { timeoutMs: 5000 },
    );
    expect(status).toBe(200);
  });
});
