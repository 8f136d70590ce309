// A database the app cannot use, whatever the reason (nothing listening, a role or a database
// that does not exist): not ready, 503 database_unavailable with Retry-After on every route that
// needs it, never a 500; liveness stays 200 so that no pod is restarted for it.
import { freePort, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type ErrorJson } from './support/http.js';
import { migratedDatabase, startTestApp } from './support/testApp.js';

interface Readiness {
  status: string;
  checks: Record<string, { status: string; critical: boolean }>;
}

let database: TestDatabase;

beforeAll(async () => {
  database = await migratedDatabase();
});

afterAll(async () => {
  await database?.drop();
});

const causes: [string, (url: URL) => Promise<void>][] = [
  ['nothing listening', async (url) => void (url.port = String(await freePort()))],
  [
    'a role that does not exist',
    async (url) => {
      url.username = 'no_such_role';
      url.password = 'not-a-password';
    },
  ],
  ['a database that does not exist', async (url) => void (url.pathname = '/no_such_database')],
];

describe('an unusable database', () => {
  it.each(causes)('%s: not ready, and 503 database_unavailable', async (_, change) => {
    const url = new URL(database.url);
    await change(url);
    const app = await startTestApp(url.toString(), { DATABASE_CONNECT_TIMEOUT_MS: '500' });
    try {
      const ready = await call<Readiness>(app.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toMatchObject({ status: 'fail', critical: true });
      expect((await call(app.url, 'GET', '/livez')).status).toBe(200);
      for (const [method, path, json] of [
        ['GET', '/api/tasks', undefined],
        ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000', undefined],
        ['POST', '/api/tasks', { title: 'lost?' }],
      ] as const) {
        const reply = await call<ErrorJson>(app.url, method, path, { json });
        expect(reply.status, `${method} ${path}`).toBe(503);
        expect(reply.headers.get('retry-after')).toBe('1');
        expect(reply.body.error).toEqual({
          code: 'database_unavailable',
          message: expect.any(String) as string,
          details: null,
        });
      }
    } finally {
      await app.close();
    }
  });
});
