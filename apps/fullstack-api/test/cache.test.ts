import { createLogger } from '@taller/telemetry';
import { uniqueName, type TestDatabase } from '@taller/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/redis/createRedis.js';
import { RedisAvailability } from '../src/redis/redisAvailability.js';
import { TaskCache } from '../src/tasks/taskCache.js';
import { call, type PageJson, type TaskJson } from './support/http.js';
import { migratedDatabase, startTestApp, type TestApp } from './support/testApp.js';

let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await migratedDatabase();
  app = await startTestApp(database.url, { CACHE_TTL_SECONDS: '30' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const create = async (title: string) =>
  (await call<TaskJson>(app.url, 'POST', '/api/tasks', { json: { title } })).body;
const get = (id: string) => call<TaskJson>(app.url, 'GET', `/api/tasks/${id}`);
const list = (query = '') => call<PageJson>(app.url, 'GET', `/api/tasks${query}`);
const patch = (id: string, json: Record<string, unknown>, version: number) =>
  call<TaskJson>(app.url, 'PATCH', `/api/tasks/${id}`, {
    json,
    headers: { 'if-match': `"${version}"` },
  });
// A change made behind the API's back: only a read that skips the cache can see it.
const sneakTitle = (id: string, title: string) =>
  app.pool.query('UPDATE tasks SET title = $2 WHERE id = $1', [id, title]);

describe('read cache', () => {
  it('answers the second read of a task from Redis', async () => {
    const task = await create('Cached');
    const hits = await app.metric('fullstack_cache_hits_total{cache="task"}');
    const misses = await app.metric('fullstack_cache_misses_total{cache="task"}');
    expect((await get(task.id)).body).toEqual(task);
    expect(await app.metric('fullstack_cache_misses_total{cache="task"}')).toBe(misses + 1);

    await sneakTitle(task.id, 'changed in the database only');
    const second = await get(task.id);
    expect(second.body).toEqual(task);
    expect(second.headers.get('etag')).toBe('"1"');
    expect(await app.metric('fullstack_cache_hits_total{cache="task"}')).toBe(hits + 1);

    const keys = await app.redis.keys(`${app.config.REDIS_PREFIX}cache:task:${task.id}:*`);
    const entry = keys.find((key) => !key.endsWith(':generation'));
    expect(entry).toBeDefined();
    const ttl = await app.redis.ttl(entry!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('answers a repeated list page from Redis', async () => {
    await create('Listed');
    const hits = await app.metric('fullstack_cache_hits_total{cache="list"}');
    const first = await list('?limit=5');
    const second = await list('?limit=5');
    expect(second.body).toEqual(first.body);
    expect(await app.metric('fullstack_cache_hits_total{cache="list"}')).toBe(hits + 1);
  });

  it('never serves a stale task or page after an update, a create or a delete returned', async () => {
    const task = await create('Before');
    await get(task.id);
    await list();
    const updated = await patch(task.id, { title: 'After' }, 1);
    expect((await get(task.id)).body).toEqual(updated.body);
    expect((await list()).body.items.find((item) => item.id === task.id)?.title).toBe('After');

    const added = await create('Added');
    expect((await list()).body.items[0]?.id).toBe(added.id);

    expect((await call(app.url, 'DELETE', `/api/tasks/${task.id}`)).status).toBe(204);
    expect((await get(task.id)).status).toBe(404);
    expect((await list()).body.items.some((item) => item.id === task.id)).toBe(false);
  });

  it('never serves a stale read after a write while other reads race to refill the cache', async () => {
    const task = await create('Raced');
    let version = 1;
    let reading = true;
    // Readers keep missing and refilling the cache around every write.
    const readers = Array.from({ length: 4 }, async () => {
      while (reading) {
        await get(task.id);
        await list('?limit=3');
      }
    });
    try {
      for (let round = 0; round < 40; round += 1) {
        const written = await patch(task.id, { title: `round ${round}` }, version);
        expect(written.status).toBe(200);
        version = written.body.version;
        const read = await get(task.id);
        expect(read.body.version).toBe(version);
        expect(read.body.title).toBe(`round ${round}`);
        const page = await list('?limit=3');
        expect(page.body.items.find((item) => item.id === task.id)?.version).toBe(version);
      }
    } finally {
      reading = false;
      await Promise.all(readers);
    }
  });
});

describe('TaskCache', () => {
  it('drops a fill that raced an invalidation instead of keeping the old value', async () => {
    const client = createRedis({ ...app.config, REDIS_COMMAND_TIMEOUT_MS: 1000 });
    const registry = new Registry();
    const cache = new TaskCache({
      redis: new RedisAvailability({
        client,
        cooldownMs: 1000,
        logger: createLogger({ name: 'test', level: 'silent' }),
        registry,
      }),
      keyPrefix: `${uniqueName('race')}:`,
      ttlSeconds: 30,
      registry,
    });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const entry = { kind: 'task', id: 'some-task' } as const;
      // A reader misses and loads the old value from the database...
      let release!: () => void;
      const loaded = new Promise<void>((resolve) => (release = resolve));
      const slowRead = cache.read(entry, async () => {
        await loaded;
        return 'old';
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // ...meanwhile a write commits and invalidates, then the reader fills.
      await cache.invalidate('some-task');
      release();
      expect(await slowRead).toBe('old');
      // The next read must not find the old value.
      expect(await cache.read(entry, async () => 'new')).toBe('new');
      expect(await cache.read(entry, async () => 'not called: cached')).toBe('new');
    } finally {
      client.disconnect();
    }
  });
});

describe('cache turned off', () => {
  it('reads PostgreSQL every time and writes nothing to Redis', async () => {
    const uncached = await startTestApp(database.url, { CACHE_TTL_SECONDS: '0' });
    try {
      const { body: task } = await call<TaskJson>(uncached.url, 'POST', '/api/tasks', {
        json: { title: 'Uncached' },
      });
      await call(uncached.url, 'GET', `/api/tasks/${task.id}`);
      await sneakTitle(task.id, 'seen at once');
      const read = await call<TaskJson>(uncached.url, 'GET', `/api/tasks/${task.id}`);
      expect(read.body.title).toBe('seen at once');
      expect(await uncached.redis.keys(`${uncached.config.REDIS_PREFIX}cache:*`)).toEqual([]);
    } finally {
      await uncached.close();
    }
  });
});
