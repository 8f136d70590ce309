import { freePort, waitFor, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type PageJson, type TaskJson } from './support/http.js';
import { startRedisServer, type RedisServer } from './support/redisServer.js';
import { migratedDatabase, startTestApp, type TestApp } from './support/testApp.js';

interface Readiness {
  status: string;
  checks: Record<string, { status: string; critical: boolean }>;
}

let database: TestDatabase;
let redis: RedisServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  database = await migratedDatabase();
  redis = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await redis?.kill();
  await database?.drop();
});

async function start(env: Record<string, string>): Promise<TestApp> {
  const app = await startTestApp(database.url, {
    REDIS_COMMAND_TIMEOUT_MS: '150',
    REDIS_COOLDOWN_MS: '300',
    RATE_LIMIT_POINTS: '10000',
    ...env,
  });
  apps.push(app);
  return app;
}

/** An app whose Redis stays out of service for 3 s once it fails, and a task "v1" it has cached. */
async function startWithCachedTask() {
  const app = await start({ REDIS_URL: redis.url, REDIS_COOLDOWN_MS: '3000' });
  const { body: task } = await call<TaskJson>(app.url, 'POST', '/api/tasks', {
    json: { title: 'v1' },
  });
  const read = () => call<TaskJson>(app.url, 'GET', `/api/tasks/${task.id}`);
  await read();
  expect((await read()).body.title).toBe('v1'); // cached
  return { app, task, read };
}

/** Full CRUD through the API, checking every answer against what was written. */
async function exerciseApi(url: string): Promise<void> {
  const created = await call<TaskJson>(url, 'POST', '/api/tasks', {
    json: { title: 'Degraded write' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect((await call<TaskJson>(url, 'GET', `/api/tasks/${id}`)).body).toEqual(created.body);
  const updated = await call<TaskJson>(url, 'PATCH', `/api/tasks/${id}`, {
    json: { status: 'done', version: 1 },
  });
  expect(updated.status).toBe(200);
  expect((await call<TaskJson>(url, 'GET', `/api/tasks/${id}`)).body).toEqual(updated.body);
  const page = await call<PageJson>(url, 'GET', '/api/tasks?limit=100');
  expect(page.body.items.find((task) => task.id === id)).toEqual(updated.body);
  expect((await call(url, 'DELETE', `/api/tasks/${id}`)).status).toBe(204);
  expect((await call(url, 'GET', `/api/tasks/${id}`)).status).toBe(404);
}

describe('when Redis goes away', () => {
  it('keeps answering correctly from PostgreSQL, stays ready, and reports itself degraded', async () => {
    const app = await start({ REDIS_URL: redis.url });
    const { body: task } = await call<TaskJson>(app.url, 'POST', '/api/tasks', {
      json: { title: 'Cached' },
    });
    await call(app.url, 'GET', `/api/tasks/${task.id}`);
    expect(await app.metric('fullstack_redis_degraded')).toBe(0);

    await redis.kill();

    const started = Date.now();
    expect((await call<TaskJson>(app.url, 'GET', `/api/tasks/${task.id}`)).body).toEqual(task);
    await exerciseApi(app.url);
    expect(Date.now() - started).toBeLessThan(5000);

    const ready = await call<Readiness>(app.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.redis).toMatchObject({ status: 'fail', critical: false });
    expect(ready.body.checks.postgres).toMatchObject({ status: 'ok' });
    expect(await app.metric('fullstack_redis_degraded')).toBe(1);
    expect(
      await app.metric('fullstack_redis_fallbacks_total{operation="cache_read"}'),
    ).toBeGreaterThan(0);
    expect(
      await app.metric('fullstack_redis_fallbacks_total{operation="rate_limit"}'),
    ).toBeGreaterThan(0);
    expect(
      app.logs.some(
        (line) =>
          line.msg === 'redis unavailable: serving from PostgreSQL, rate limiting per replica',
      ),
    ).toBe(true);

    // Back again (empty, as a restarted cache pod is): the cache is used again.
    await redis.restart();
    await waitFor(
      'Redis back in service',
      async () => (await app.metric('fullstack_redis_degraded')) === 0,
    );
    const hits = await app.metric('fullstack_cache_hits_total{cache="task"}');
    await call(app.url, 'GET', `/api/tasks/${task.id}`);
    await call(app.url, 'GET', `/api/tasks/${task.id}`);
    expect(await app.metric('fullstack_cache_hits_total{cache="task"}')).toBe(hits + 1);
    expect((await call<Readiness>(app.url, 'GET', '/readyz')).body.status).toBe('ok');
    expect(app.logs.some((line) => line.msg === 'redis available again')).toBe(true);
  });

  it('survives a Redis that stops answering, and never serves what it cached before', async () => {
    const { app, task, read } = await startWithCachedTask();

    redis.freeze();
    try {
      // Commands time out (150 ms) instead of hanging; three in a row take Redis out of service.
      // Every read meanwhile answers v1.
      const frozenTitles = new Set<string>();
      await waitFor('Redis out of service', async () => {
        frozenTitles.add((await read()).body.title);
        return (await app.metric('fullstack_redis_degraded')) === 1;
      });
      expect(frozenTitles).toEqual(new Set(['v1']));
      // This write's invalidation cannot reach Redis: Redis keeps the v1 entry.
      const started = Date.now();
      const updated = await call<TaskJson>(app.url, 'PATCH', `/api/tasks/${task.id}`, {
        json: { title: 'v2', version: 1 },
      });
      expect(updated.status).toBe(200);
      expect((await read()).body.title).toBe('v2');
      expect(Date.now() - started).toBeLessThan(1000); // Redis is skipped, not waited for
      expect((await call(app.url, 'GET', '/readyz')).status).toBe(200);
      expect(
        await app.metric('fullstack_redis_fallbacks_total{operation="cache_invalidate"}'),
      ).toBeGreaterThan(0);
    } finally {
      redis.thaw();
    }

    // Once Redis is used again, the v1 entry must never come back (not even on one read while
    // waiting), and the cache works again.
    const hits = await app.metric('fullstack_cache_hits_total{cache="task"}');
    const thawedTitles = new Set<string>();
    await waitFor('the cache answering again', async () => {
      thawedTitles.add((await read()).body.title);
      return (await app.metric('fullstack_cache_hits_total{cache="task"}')) > hits;
    });
    expect(thawedTitles).toEqual(new Set(['v2']));
    for (let i = 0; i < 5; i += 1) expect((await read()).body.title).toBe('v2');
  });

  it('remembers a bounded number of invalidations through a long outage, and serves no stale entry after', async () => {
    const { app, task, read } = await startWithCachedTask();
    const { rows: others } = await app.pool.query<{ id: string }>(
      "INSERT INTO tasks (title) SELECT 'deleted during the outage' FROM generate_series(1, 1100) RETURNING id",
    );

    redis.freeze();
    try {
      await waitFor('Redis out of service', async () => {
        await read();
        return (await app.metric('fullstack_redis_degraded')) === 1;
      });
      // Each delete owes the invalidation of its task's entry: 1,100 of them, more than the
      // 1,000 remembered, so they collapse into one, the epoch.
      for (let at = 0; at < others.length; at += 20) {
        await Promise.all(
          others.slice(at, at + 20).map(({ id }) => call(app.url, 'DELETE', `/api/tasks/${id}`)),
        );
        if (at === 400) expect(await app.metric('fullstack_cache_owed_invalidations')).toBe(421); // 420 tasks and the list
      }
      expect(await app.metric('fullstack_cache_owed_invalidations')).toBe(1);
      await call(app.url, 'PATCH', `/api/tasks/${task.id}`, { json: { title: 'v2', version: 1 } });
      expect(await app.metric('fullstack_cache_owed_invalidations')).toBe(1);
    } finally {
      redis.thaw();
    }

    await waitFor('every invalidation delivered', async () => {
      expect((await read()).body.title).toBe('v2');
      return (await app.metric('fullstack_cache_owed_invalidations')) === 0;
    });
    for (let i = 0; i < 3; i += 1) expect((await read()).body.title).toBe('v2');
  });

  it('starts and serves when Redis was never there', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const app = await start({ REDIS_URL: url });
    // A refused connection ends the wait for Redis at once (the wait is for a slow connect).
    expect(Date.now() - started).toBeLessThan(1500);
    await exerciseApi(app.url);
    const ready = await call<Readiness>(app.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(await app.metric('fullstack_redis_degraded')).toBe(1);
  });
});

describe('a Redis that requires a password', () => {
  it('is reached with REDIS_PASSWORD completing REDIS_URL', async () => {
    const password = 'p@ss:w/rd#1';
    const guarded = await startRedisServer({ password });
    try {
      const app = await start({ REDIS_URL: guarded.url, REDIS_PASSWORD: password });
      const ready = await call<Readiness>(app.url, 'GET', '/readyz');
      expect(ready.body.checks.redis).toMatchObject({ status: 'ok' });
      const wrong = await start({ REDIS_URL: guarded.url, REDIS_PASSWORD: 'nope' });
      expect((await call<Readiness>(wrong.url, 'GET', '/readyz')).body.checks.redis).toMatchObject({
        status: 'fail',
      });
    } finally {
      await guarded.kill();
    }
  });
});
