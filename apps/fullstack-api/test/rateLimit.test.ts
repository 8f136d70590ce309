import { freePort, uniqueName, waitFor, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type ErrorJson, type TaskJson } from './support/http.js';
import { startRedisServer } from './support/redisServer.js';
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
      expect(await replica.metric('fullstack_rate_limited_requests_total')).toBe(1);
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

  it('counts cached reads of a task on every replica, in the same Redis as every other request', async () => {
    const [a, b] = await twoReplicas({ RATE_LIMIT_POINTS: '5', CACHE_TTL_SECONDS: '30' });
    const { body: task } = await call<TaskJson>(a.url, 'POST', '/api/tasks', {
      json: { title: 'Read often' },
    });
    const read = (url: string) => call<TaskJson>(url, 'GET', `/api/tasks/${task.id}`);
    const statuses = [(await read(a.url)).status, (await read(b.url)).status];
    statuses.push((await read(a.url)).status, (await read(b.url)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    // Answered from the cache: the reads that counted never reached PostgreSQL.
    expect(
      (await a.metric('fullstack_cache_hits_total{cache="task"}')) +
        (await b.metric('fullstack_cache_hits_total{cache="task"}')),
    ).toBe(3);

    const refused = await call<ErrorJson>(b.url, 'GET', `/api/tasks/${task.id}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body.error.code).toBe('rate_limited');
    expect((await call(a.url, 'GET', '/api/tasks')).status).toBe(429);
    expect((await call(a.url, 'POST', '/api/tasks', { json: { title: 'x' } })).status).toBe(429);
  });

  it('counts reads that skip the cache and requests refused for bad input', async () => {
    const [a, b] = await twoReplicas({ RATE_LIMIT_POINTS: '4', CACHE_TTL_SECONDS: '0' });
    const { body: task } = await call<TaskJson>(a.url, 'POST', '/api/tasks', {
      json: { title: 'Never cached' },
    });
    expect((await call(b.url, 'GET', `/api/tasks/${task.id}`)).status).toBe(200);
    expect((await call(a.url, 'GET', '/api/tasks/not-a-uuid')).status).toBe(400);
    expect((await call(b.url, 'GET', '/api/tasks?limit=many')).status).toBe(400);
    expect((await call(a.url, 'GET', `/api/tasks/${task.id}`)).status).toBe(429);
    expect((await call(b.url, 'GET', '/api/tasks/not-a-uuid')).status).toBe(429);
  });

  it('refuses a client over its limit from memory, without counting in Redis again', async () => {
    const [a] = await twoReplicas({ RATE_LIMIT_POINTS: '2', RATE_LIMIT_WINDOW_SECONDS: '30' });
    const counter = `${a.config.REDIS_PREFIX}ratelimit:127.0.0.1`;
    for (const expected of [200, 200, 429, 429, 429]) {
      expect((await call(a.url, 'GET', '/api/tasks')).status).toBe(expected);
    }
    expect(await a.redis.get(counter)).toBe('3');
    const ttl = await a.redis.pttl(counter);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });
});

describe('a cached read', () => {
  it('is one Redis command: the count and the lookup in one script', async () => {
    const redis = await startRedisServer();
    try {
      const app = await startTestApp(database.url, {
        REDIS_URL: redis.url,
        RATE_LIMIT_POINTS: '100',
        CACHE_TTL_SECONDS: '30',
      });
      apps.push(app);
      const { body: task } = await call<TaskJson>(app.url, 'POST', '/api/tasks', {
        json: { title: 'One round trip' },
      });
      const read = () => call(app.url, 'GET', `/api/tasks/${task.id}`);
      await read(); // a miss: the lookup, then the fill
      await read(); // a hit, with every script loaded
      await app.redis.config('RESETSTAT');
      expect((await read()).status).toBe(200);
      // Redis counts the commands a script runs too; the script calls themselves are EVALSHA.
      const stats = await app.redis.info('commandstats');
      const calls = (command: string) =>
        Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
      expect([calls('evalsha'), calls('eval')]).toEqual([1, 0]);
      expect(await app.redis.get(`${app.config.REDIS_PREFIX}ratelimit:127.0.0.1`)).toBe('4');
    } finally {
      await redis.kill();
    }
  });
});

describe('rate limit without Redis', () => {
  it("counts in each replica's memory", async () => {
    const app = await startTestApp(database.url, {
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      RATE_LIMIT_POINTS: '2',
    });
    apps.push(app);
    const { body: task } = await call<TaskJson>(app.url, 'POST', '/api/tasks', {
      json: { title: 'Degraded' },
    });
    expect((await call(app.url, 'GET', `/api/tasks/${task.id}`)).status).toBe(200);
    const refused = await call<ErrorJson>(app.url, 'GET', `/api/tasks/${task.id}`);
    expect(refused.status).toBe(429);
    expect(refused.body.error.details).toMatchObject({ limit: 2 });
    expect(await app.metric('fullstack_redis_fallbacks_total{operation="rate_limit"}')).toBe(3);
  });
});
