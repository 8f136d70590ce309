import type { TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type ErrorJson, type PageJson, type TaskJson } from './support/http.js';
import { migratedDatabase, startTestApp, type TestApp } from './support/testApp.js';

let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await migratedDatabase();
  app = await startTestApp(database.url);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const create = (json: Record<string, unknown>) =>
  call<TaskJson>(app.url, 'POST', '/api/tasks', { json });
const get = (id: string, headers: Record<string, string> = {}) =>
  call<TaskJson>(app.url, 'GET', `/api/tasks/${id}`, { headers });
const patch = (id: string, json: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call<TaskJson & ErrorJson>(app.url, 'PATCH', `/api/tasks/${id}`, { json, headers });
const remove = (id: string, headers: Record<string, string> = {}) =>
  call<ErrorJson>(app.url, 'DELETE', `/api/tasks/${id}`, { headers });
const list = (query = '') => call<PageJson>(app.url, 'GET', `/api/tasks${query}`);

describe('tasks CRUD', () => {
  it('creates, reads, updates and deletes a task', async () => {
    const created = await create({ title: '  Write the workshop  ', description: 'Chapter 1' });
    expect(created.status).toBe(201);
    const task = created.body;
    expect(task).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      title: 'Write the workshop',
      description: 'Chapter 1',
      status: 'todo',
      version: 1,
      createdAt: expect.any(String) as string,
      updatedAt: task.createdAt,
    });
    expect(created.headers.get('location')).toBe(`/api/tasks/${task.id}`);
    expect(created.headers.get('etag')).toBe('"1"');

    const read = await get(task.id);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(task);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await get(task.id, { 'if-none-match': '"1"' })).status).toBe(304);

    const renamed = await patch(
      task.id,
      { title: 'Write chapter 1', status: 'doing' },
      { 'if-match': '"1"' },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      title: 'Write chapter 1',
      description: 'Chapter 1',
      status: 'doing',
      version: 2,
    });
    expect(renamed.headers.get('etag')).toBe('"2"');
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(task.createdAt));
    expect((await get(task.id, { 'if-none-match': '"1"' })).status).toBe(200);

    const done = await patch(task.id, { status: 'done', description: '', version: 2 });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', description: '', version: 3 });
    expect((await get(task.id)).body).toEqual(done.body);

    expect((await remove(task.id, { 'if-match': '"3"' })).status).toBe(204);
    const gone = await get(task.id);
    expect(gone.status).toBe(404);
    expect((gone.body as unknown as ErrorJson).error.code).toBe('not_found');
    expect((await remove(task.id)).status).toBe(404);
    expect((await patch(task.id, { status: 'todo' }, { 'if-match': '"3"' })).status).toBe(404);
  });

  it('treats an id in capitals as the same task', async () => {
    const { body: task } = await create({ title: 'Capitals' });
    const upper = task.id.toUpperCase();
    expect((await get(upper)).body).toEqual(task);
    expect((await patch(upper, { status: 'done' }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await get(task.id)).body.status).toBe('done');
    expect((await get(upper)).body.status).toBe('done');
  });
});

describe('optimistic concurrency', () => {
  it('refuses a stale update with 412 (If-Match) or 409 (version) and keeps the newer data', async () => {
    const { body: task } = await create({ title: 'Contended' });
    const first = await patch(task.id, { title: 'First writer' }, { 'if-match': '"1"' });
    expect(first.status).toBe(200);

    const stale = await patch(task.id, { title: 'Second writer' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toEqual({
      code: 'precondition_failed',
      message: expect.any(String) as string,
      details: { currentVersion: 2 },
    });
    expect(stale.headers.get('etag')).toBe('"2"');

    const staleBody = await patch(task.id, { title: 'Second writer', version: 1 });
    expect(staleBody.status).toBe(409);
    expect(staleBody.body.error).toMatchObject({
      code: 'version_conflict',
      details: { currentVersion: 2 },
    });

    // The header and the body must agree.
    expect(
      (await patch(task.id, { title: 'Mixed', version: 1 }, { 'if-match': '"2"' })).status,
    ).toBe(412);
    expect((await get(task.id)).body).toMatchObject({ title: 'First writer', version: 2 });

    expect(
      await app.metric('fullstack_task_write_conflicts_total{precondition="if_match"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(
      await app.metric('fullstack_task_write_conflicts_total{precondition="body"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('requires a precondition for updates (428) and accepts If-Match: * and several ETags', async () => {
    const { body: task } = await create({ title: 'Preconditions' });
    const blind = await patch(task.id, { status: 'done' });
    expect(blind.status).toBe(428);
    expect(blind.body.error.code).toBe('precondition_required');

    expect((await patch(task.id, { status: 'doing' }, { 'if-match': '*' })).body.version).toBe(2);
    expect(
      (await patch(task.id, { status: 'done' }, { 'if-match': '"1", "2"' })).body.version,
    ).toBe(3);
    // Weak tags never match under If-Match's strong comparison.
    expect((await patch(task.id, { status: 'todo' }, { 'if-match': 'W/"3"' })).status).toBe(412);
  });

  it('lets exactly one of two concurrent writers of the same version win', async () => {
    const { body: task } = await create({ title: 'Race' });
    const results = await Promise.all(
      ['A', 'B', 'C', 'D'].map((writer) =>
        patch(task.id, { title: writer }, { 'if-match': '"1"' }),
      ),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412]);
    const winner = results.find((result) => result.status === 200)!.body;
    expect((await get(task.id)).body).toEqual(winner);
  });

  it('refuses a delete whose If-Match is stale and deletes unconditionally without one', async () => {
    const { body: task } = await create({ title: 'Delete me' });
    await patch(task.id, { status: 'done' }, { 'if-match': '"1"' });
    const stale = await remove(task.id, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error.details).toEqual({ currentVersion: 2 });
    expect((await get(task.id)).status).toBe(200);
    expect((await remove(task.id)).status).toBe(204);
    expect((await get(task.id)).status).toBe(404);
  });
});

describe('listing', () => {
  it('lists newest first, filtered by status, in pages chained by cursor', async () => {
    const statuses = ['todo', 'doing', 'done'] as const;
    const mine: TaskJson[] = [];
    for (let i = 0; i < 9; i += 1) {
      mine.push((await create({ title: `Listed ${i}`, status: statuses[i % 3] })).body);
    }
    const first = await list('?limit=4');
    expect(first.status).toBe(200);
    expect(first.body.items.map((task) => task.title)).toEqual([
      'Listed 8',
      'Listed 7',
      'Listed 6',
      'Listed 5',
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=4&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((task) => task.title)).toEqual([
      'Listed 4',
      'Listed 3',
      'Listed 2',
      'Listed 1',
    ]);

    const done = await pageThrough('?status=done&limit=2');
    expect(done.every((task) => task.status === 'done')).toBe(true);
    expect(done.map((task) => task.title).slice(0, 3)).toEqual([
      'Listed 8',
      'Listed 5',
      'Listed 2',
    ]);
  });

  it('ends with a null cursor and defaults to 20 items', async () => {
    const all = await list();
    expect(all.body.items.length).toBeLessThanOrEqual(20);
    const last = await list('?limit=100&status=doing');
    expect(last.body.nextCursor).toBeNull();
  });

  it('pages without duplicates or gaps while tasks are inserted concurrently', async () => {
    // Rows that share a created_at: the id must break ties for the order to be total.
    await app.pool.query(`
      INSERT INTO tasks (title, created_at, updated_at)
      SELECT 'seed ' || i, ts, ts
      FROM generate_series(1, 150) AS i,
           LATERAL (SELECT now() - interval '1 day' + (i / 3) * interval '1 millisecond' AS ts) AS t`);
    const before = new Set(
      (await app.pool.query<{ id: string }>('SELECT id FROM tasks')).rows.map((row) => row.id),
    );

    let inserting = true;
    const inserted = new Set<string>();
    const writer = (async () => {
      for (let i = 0; inserting; i += 1)
        inserted.add((await create({ title: `concurrent ${i}` })).body.id);
    })();
    let pages: TaskJson[];
    try {
      pages = await pageThrough('?limit=7', async () => {
        // Let a few inserts land between pages.
        const target = inserted.size + 2;
        while (inserted.size < target) await new Promise((resolve) => setTimeout(resolve, 2));
      });
    } finally {
      inserting = false;
      await writer;
    }

    const seen = pages.map((task) => task.id);
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    for (const id of before) expect(seen).toContain(id); // no gaps
    for (const id of seen) expect(before.has(id) || inserted.has(id)).toBe(true);
    expect(inserted.size).toBeGreaterThan(10);
    const keys = pages.map((task) => [Date.parse(task.createdAt), task.id] as const);
    for (let i = 1; i < keys.length; i += 1) {
      const [previousTime, previousId] = keys[i - 1]!;
      const [time, id] = keys[i]!;
      expect(time < previousTime || (time === previousTime && id < previousId)).toBe(true);
    }
  });
});

describe('http surface', () => {
  it('answers unknown paths with a JSON 404 and unsupported methods with 405 and Allow', async () => {
    const missing = await call<ErrorJson>(app.url, 'GET', '/api/projects');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const put = await call<ErrorJson>(
      app.url,
      'PUT',
      '/api/tasks/00000000-0000-4000-8000-000000000000',
      {
        json: { title: 'x' },
      },
    );
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
    expect(put.body.error.code).toBe('method_not_allowed');
    expect((await call(app.url, 'DELETE', '/api/tasks')).headers.get('allow')).toBe(
      'GET, HEAD, POST',
    );
  });

  it('sends security headers, a request id, and no CORS headers', async () => {
    const response = await fetch(`${app.url}/api/tasks`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(/\S+/);
    const preflight = await fetch(`${app.url}/api/tasks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("sends helmet's full set of headers on API answers, errors and the page", async () => {
    const expected = {
      'content-security-policy':
        "default-src 'none';script-src 'self';style-src 'self';img-src 'self';connect-src 'self';form-action 'self';base-uri 'none';frame-ancestors 'none'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    const { body: task } = await create({ title: 'Headers' });
    for (const path of [`/api/tasks/${task.id}`, '/api/nothing', '/']) {
      const response = await fetch(`${app.url}${path}`);
      const names = Object.keys(expected) as (keyof typeof expected)[];
      expect(Object.fromEntries(names.map((name) => [name, response.headers.get(name)]))).toEqual(
        expected,
      );
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const { body: task } = await create({ title: 'Head' });
    for (const path of [`/api/tasks/${task.id}`, '/api/tasks?limit=2']) {
      const got = await fetch(`${app.url}${path}`);
      const text = await got.text();
      const head = await fetch(`${app.url}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(head.headers.get('etag')).toBe(got.headers.get('etag'));
    }
  });

  it('answers CORS only for the origins CORS_ORIGINS lists', async () => {
    const open = await startTestApp(database.url, { CORS_ORIGINS: 'https://board.example' });
    try {
      const preflight = (origin: string) =>
        fetch(`${open.url}/api/tasks/00000000-0000-4000-8000-000000000000`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'PATCH',
            'access-control-request-headers': 'content-type, if-match',
          },
        });
      const allowed = await preflight('https://board.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://board.example');
      expect(allowed.headers.get('access-control-allow-methods')).toContain('PATCH');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('if-match');
      const refused = await preflight('https://evil.example');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();

      const created = await fetch(`${open.url}/api/tasks`, {
        method: 'POST',
        headers: { origin: 'https://board.example', 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'From another origin' }),
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('access-control-expose-headers')).toContain('etag');
    } finally {
      await open.close();
    }
  });

  it('serves the page, probes and metrics', async () => {
    const page = await fetch(`${app.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>');
    expect((await fetch(`${app.url}/livez`)).status).toBe(200);
    const ready = await call<{ status: string }>(app.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(await app.metric('tasks_created_total')).toBeGreaterThan(0);
    expect(await app.metric('db_pool_connections{state="total"}')).toBeGreaterThan(0);
    expect(await app.metric('fullstack_redis_degraded')).toBe(0);
  });
});

async function pageThrough(query: string, between?: () => Promise<void>): Promise<TaskJson[]> {
  const items: TaskJson[] = [];
  let cursor: string | null = null;
  do {
    const separator = query ? '&' : '?';
    const page = await list(cursor === null ? query : `${query}${separator}cursor=${cursor}`);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    await between?.();
  } while (cursor !== null);
  return items;
}
