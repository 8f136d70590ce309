import { request, type IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import type { TestDatabase } from '@taller/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type ErrorJson, type TaskJson } from './support/http.js';
import { migratedDatabase, startTestApp, type TestApp } from './support/testApp.js';

let database: TestDatabase;
let app: TestApp;
let task: TaskJson;

beforeAll(async () => {
  database = await migratedDatabase();
  app = await startTestApp(database.url);
  task = (await call<TaskJson>(app.url, 'POST', '/api/tasks', { json: { title: 'Target' } })).body;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const JSON_TYPE = { 'content-type': 'application/json' };
const MISSING = '00000000-0000-4000-8000-000000000000';

interface Case {
  name: string;
  method: string;
  path: string | (() => string);
  headers?: Record<string, string>;
  json?: unknown;
  raw?: string | Uint8Array;
  status: number;
  code: string;
  /** Fields the details must name. */
  fields?: string[];
}

const cases: Case[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/api/tasks',
    headers: JSON_TYPE,
    raw: '{"title": ',
    status: 400,
    code: 'malformed_json',
  },
  {
    name: 'text/plain body',
    method: 'POST',
    path: '/api/tasks',
    headers: { 'content-type': 'text/plain' },
    raw: '{"title":"x"}',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form body',
    method: 'POST',
    path: '/api/tasks',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    raw: 'title=x',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type',
    method: 'POST',
    path: '/api/tasks',
    raw: '{"title":"x"}',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'PATCH without a body',
    method: 'PATCH',
    path: () => `/api/tasks/${task.id}`,
    headers: { 'if-match': '"1"' },
    status: 415,
    code: 'unsupported_media_type',
  },
  ...['latin1', 'utf-16le', 'UTF-16', 'utf-7', '"utf-16be"'].map((charset) => ({
    name: `charset ${charset} (only UTF-8 is JSON here)`,
    method: 'POST',
    path: '/api/tasks',
    headers: { 'content-type': `application/json; charset=${charset}` },
    raw: '{"title":"x"}',
    status: 415,
    code: 'unsupported_media_type',
  })),
  {
    name: 'a compressed body',
    method: 'POST',
    path: '/api/tasks',
    headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    raw: gzipSync('{"title":"x"}'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'an oversized body',
    method: 'POST',
    path: '/api/tasks',
    headers: JSON_TYPE,
    raw: JSON.stringify({ title: 'x', description: 'y'.repeat(20_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'unknown fields',
    method: 'POST',
    path: '/api/tasks',
    json: { title: 'x', priority: 1, owner: 'me' },
    status: 400,
    code: 'invalid_body',
    fields: ['priority', 'owner'],
  },
  {
    name: 'wrong types',
    method: 'POST',
    path: '/api/tasks',
    json: { title: 5, description: ['a'], status: 'urgent' },
    status: 400,
    code: 'invalid_body',
    fields: ['title', 'description', 'status'],
  },
  {
    name: 'a missing title',
    method: 'POST',
    path: '/api/tasks',
    json: { description: 'no title' },
    status: 400,
    code: 'invalid_body',
    fields: ['title'],
  },
  {
    name: 'a blank title',
    method: 'POST',
    path: '/api/tasks',
    json: { title: ' \t ' },
    status: 400,
    code: 'invalid_body',
    fields: ['title'],
  },
  {
    name: 'a title too long',
    method: 'POST',
    path: '/api/tasks',
    json: { title: 'x'.repeat(201) },
    status: 400,
    code: 'invalid_body',
    fields: ['title'],
  },
  {
    name: 'a description too long',
    method: 'POST',
    path: '/api/tasks',
    json: { title: 'x', description: 'x'.repeat(2001) },
    status: 400,
    code: 'invalid_body',
    fields: ['description'],
  },
  {
    name: 'a NUL character',
    method: 'POST',
    path: '/api/tasks',
    json: { title: 'a\u0000b' },
    status: 400,
    code: 'invalid_body',
    fields: ['title'],
  },
  {
    name: 'a lone surrogate',
    method: 'POST',
    path: '/api/tasks',
    headers: JSON_TYPE,
    raw: '{"title":"ok","description":"\\ud800"}',
    status: 400,
    code: 'invalid_body',
    fields: ['description'],
  },
  {
    name: 'an array body',
    method: 'POST',
    path: '/api/tasks',
    json: [{ title: 'x' }],
    status: 400,
    code: 'invalid_body',
    fields: [''],
  },
  {
    name: 'a null body',
    method: 'POST',
    path: '/api/tasks',
    json: null,
    status: 400,
    code: 'invalid_body',
    fields: [''],
  },
  {
    name: 'a string body',
    method: 'POST',
    path: '/api/tasks',
    json: 'title',
    status: 400,
    code: 'invalid_body',
    fields: [''],
  },
  {
    name: 'a __proto__ key',
    method: 'POST',
    path: '/api/tasks',
    headers: JSON_TYPE,
    raw: '{"title":"x","__proto__":{"admin":true}}',
    status: 400,
    code: 'invalid_body',
    fields: ['__proto__'],
  },
  {
    name: 'an empty update',
    method: 'PATCH',
    path: () => `/api/tasks/${task.id}`,
    headers: { 'if-match': '"1"' },
    json: {},
    status: 400,
    code: 'invalid_body',
    fields: [''],
  },
  {
    name: 'a version as a string',
    method: 'PATCH',
    path: () => `/api/tasks/${task.id}`,
    json: { status: 'done', version: '1' },
    status: 400,
    code: 'invalid_body',
    fields: ['version'],
  },
  {
    name: 'a version of 0',
    method: 'PATCH',
    path: () => `/api/tasks/${task.id}`,
    json: { status: 'done', version: 0 },
    status: 400,
    code: 'invalid_body',
    fields: ['version'],
  },
  {
    name: 'a read-only field',
    method: 'PATCH',
    path: () => `/api/tasks/${task.id}`,
    headers: { 'if-match': '"1"' },
    json: { id: MISSING, createdAt: 'x' },
    status: 400,
    code: 'invalid_body',
    fields: ['', 'id', 'createdAt'],
  },
  {
    name: 'an If-Match beyond any version',
    method: 'PATCH',
    path: () => `/api/tasks/${task.id}`,
    headers: { 'if-match': '"9999999999"' },
    json: { status: 'done' },
    status: 412,
    code: 'precondition_failed',
  },
  {
    name: 'an If-Match beyond any version (DELETE)',
    method: 'DELETE',
    path: () => `/api/tasks/${task.id}`,
    headers: { 'if-match': '"99999999999999999999"' },
    status: 412,
    code: 'precondition_failed',
  },
  {
    name: 'an id that is not a UUID (GET)',
    method: 'GET',
    path: '/api/tasks/42',
    status: 400,
    code: 'invalid_id',
    fields: ['id'],
  },
  {
    name: 'an id that is not a UUID (PATCH)',
    method: 'PATCH',
    path: '/api/tasks/abc',
    json: { status: 'done', version: 1 },
    status: 400,
    code: 'invalid_id',
    fields: ['id'],
  },
  {
    name: 'an id that is not a UUID (DELETE)',
    method: 'DELETE',
    path: "/api/tasks/1' OR '1'='1",
    status: 400,
    code: 'invalid_id',
    fields: ['id'],
  },
  {
    name: 'a broken percent-encoding',
    method: 'GET',
    path: '/api/tasks/%E0%A4%A',
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'an unknown id',
    method: 'GET',
    path: `/api/tasks/${MISSING}`,
    status: 404,
    code: 'not_found',
  },
  {
    name: 'an update of an unknown id',
    method: 'PATCH',
    path: `/api/tasks/${MISSING}`,
    headers: { 'if-match': '"1"' },
    json: { status: 'done' },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'limit 0',
    method: 'GET',
    path: '/api/tasks?limit=0',
    status: 400,
    code: 'invalid_query',
    fields: ['limit'],
  },
  {
    name: 'limit 101',
    method: 'GET',
    path: '/api/tasks?limit=101',
    status: 400,
    code: 'invalid_query',
    fields: ['limit'],
  },
  {
    name: 'limit not a number',
    method: 'GET',
    path: '/api/tasks?limit=ten',
    status: 400,
    code: 'invalid_query',
    fields: ['limit'],
  },
  {
    name: 'limit twice',
    method: 'GET',
    path: '/api/tasks?limit=1&limit=2',
    status: 400,
    code: 'invalid_query',
    fields: ['limit'],
  },
  {
    name: 'an unknown status',
    method: 'GET',
    path: '/api/tasks?status=urgent',
    status: 400,
    code: 'invalid_query',
    fields: ['status'],
  },
  {
    name: 'a garbage cursor',
    method: 'GET',
    path: '/api/tasks?cursor=not-a-cursor',
    status: 400,
    code: 'invalid_query',
    fields: ['cursor'],
  },
  {
    name: 'a forged cursor',
    method: 'GET',
    path: `/api/tasks?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`,
    status: 400,
    code: 'invalid_query',
    fields: ['cursor'],
  },
  ...[
    ['year 0000, which PostgreSQL has no such year', '0000-01-01T00:00:00.000Z'],
    ['a day February does not have', '2026-02-30T00:00:00.000Z'],
    ['a time JavaScript would not write', '2026-01-01T00:00:00Z'],
  ].map(([what, createdAt]) => ({
    name: `a cursor at ${what}`,
    method: 'GET',
    path: `/api/tasks?cursor=${Buffer.from(
      JSON.stringify([createdAt, '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url')}`,
    status: 400,
    code: 'invalid_query',
    fields: ['cursor'],
  })),
  {
    name: 'an unknown query parameter',
    method: 'GET',
    path: '/api/tasks?sort=title',
    status: 400,
    code: 'invalid_query',
    fields: ['sort'],
  },
];

describe('bad input', () => {
  it.each(cases)('answers $name with $status $code', async (testCase) => {
    const path = typeof testCase.path === 'function' ? testCase.path() : testCase.path;
    const reply = await call<ErrorJson>(app.url, testCase.method, path, {
      json: testCase.json,
      raw: testCase.raw,
      headers: testCase.headers,
    });
    expect(reply.status).toBe(testCase.status);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectErrorShape(reply.body);
    expect(reply.body.error.code).toBe(testCase.code);
    if (testCase.fields) {
      const named = (reply.body.error.details as { field: string }[]).map((detail) => detail.field);
      expect(named.sort()).toEqual([...testCase.fields].sort());
    }
  });

  it('answers 413 as soon as a body passes the limit, and closes the connection', async () => {
    const { hostname, port } = new URL(app.url);
    const upload = request({
      host: hostname,
      port,
      method: 'POST',
      path: '/api/tasks',
      headers: { ...JSON_TYPE, 'transfer-encoding': 'chunked' },
    });
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        upload.once('response', resolve).once('error', reject);
        // Four times the 16 KiB limit, and a body that never ends: only an early answer comes.
        upload.write(`{"title":"${'x'.repeat(64 * 1024)}`);
      });
      expect(response.statusCode).toBe(413);
      expect(response.headers.connection).toBe('close');
      expect(JSON.parse(await text(response))).toMatchObject({
        error: { code: 'payload_too_large', details: { limitBytes: 16_384 } },
      });
    } finally {
      upload.destroy();
    }
  });

  it('never stores anything from a refused request', async () => {
    const { rows } = await app.pool.query<{ count: string }>('SELECT count(*) FROM tasks');
    expect(Number(rows[0]!.count)).toBe(1);
    expect((await call<TaskJson>(app.url, 'GET', `/api/tasks/${task.id}`)).body).toEqual(task);
  });
});

describe('metrics', () => {
  it('label requests by the route the app declares, whatever the spelling of the path', async () => {
    for (const path of ['/ApI/tasks', '/API/TASKS', '/api/Tasks']) {
      expect((await call<ErrorJson>(app.url, 'GET', path)).status).toBe(404);
    }
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const routes = new Set(
      [...text.matchAll(/^http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]),
    );
    expect(
      [...routes].filter((route) => /api/i.test(route!) && !route!.startsWith('/api/')),
    ).toEqual([]);
    expect(routes.has('/api/tasks')).toBe(true);
  });
});

describe('fuzzed input never gets a 5xx', () => {
  const text = fc.string({ unit: 'binary', maxLength: 300 });
  const anyValue = fc.oneof(
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('todo', 'doing', 'done', '', ' ', 'x'.repeat(2001)),
  );
  const taskLike = fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'title',
        'description',
        'status',
        'version',
        'id',
        '__proto__',
        'constructor',
      ),
      text,
    ),
    anyValue,
    { maxKeys: 5 },
  );
  const bodies = fc.oneof(
    taskLike.map((value) => JSON.stringify(value)),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    text,
  );

  it('POST /api/tasks', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (raw) => {
        const reply = await call<ErrorJson & TaskJson>(app.url, 'POST', '/api/tasks', {
          raw,
          headers: JSON_TYPE,
        });
        expect([201, 400, 413]).toContain(reply.status);
        if (reply.status === 201) expect(reply.body.version).toBe(1);
        else expectErrorShape(reply.body);
      }),
      { numRuns: 300 },
    );
  }, 90_000);

  it('PATCH /api/tasks/:id with any If-Match', async () => {
    const ifMatch = fc.option(
      fc.oneof(
        fc.constantFrom('*', '"1"', 'W/"1"', '"x", "2"'),
        fc.bigInt({ min: 0n, max: 10n ** 21n }).map((version) => `"${version}"`),
        text,
      ),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(bodies, ifMatch, async (raw, tag) => {
        const headers: Record<string, string> = { ...JSON_TYPE };
        // Header values cannot carry every character: such requests never leave the client.
        if (tag !== undefined && /^[\t\x20-\x7e]*$/.test(tag)) headers['if-match'] = tag;
        const reply = await call<ErrorJson>(app.url, 'PATCH', `/api/tasks/${task.id}`, {
          raw,
          headers,
        });
        expect([200, 400, 409, 412, 413, 428]).toContain(reply.status);
        if (reply.status !== 200) expectErrorShape(reply.body);
      }),
      { numRuns: 300 },
    );
  }, 90_000);

  it('GET /api/tasks with any query string and /api/tasks/:id with any id', async () => {
    const query = fc.dictionary(fc.constantFrom('limit', 'status', 'cursor', 'x'), text, {
      maxKeys: 3,
    });
    await fc.assert(
      fc.asyncProperty(query, text, async (params, id) => {
        const list = await call<ErrorJson>(
          app.url,
          'GET',
          `/api/tasks?${new URLSearchParams(params).toString()}`,
        );
        expect([200, 400]).toContain(list.status);
        const one = await call<ErrorJson>(
          app.url,
          'GET',
          `/api/tasks/${encodeURIComponent(id || 'x')}`,
        );
        expect([400, 404]).toContain(one.status);
        expectErrorShape(one.body);
      }),
      { numRuns: 200 },
    );
  }, 90_000);
});

function expectErrorShape(body: ErrorJson): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(body.error.code).toMatch(/^[a-z_]+$/);
  expect(typeof body.error.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
}
