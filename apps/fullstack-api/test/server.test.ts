import { fileURLToPath } from 'node:url';
import {
  redisUrl,
  runCommand,
  startProcess,
  stopAll,
  uniqueName,
  waitFor,
  type AppProcess,
  type TestDatabase,
} from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { call, type TaskJson } from './support/http.js';
import { migratedDatabase } from './support/testApp.js';

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await migratedDatabase();
});

afterAll(async () => {
  await stopAll();
  await database?.drop();
});

const logLine = (app: AppProcess, msg: string) =>
  waitFor(`a "${msg}" log line`, () => app.logs.find((line) => line.msg === msg), {
    timeoutMs: 20_000,
    intervalMs: 50,
  });

describe('the server process', () => {
  it('starts, serves, and on SIGTERM fails readiness, drains and exits 0', async () => {
    const server = await startProcess('fullstack-api', SERVER, {
      DATABASE_URL: database.url,
      REDIS_URL: await redisUrl(),
      REDIS_PREFIX: `${uniqueName('server')}:`,
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
    });
    onTestFailed(() => console.log(server.tail(12)));
    const port = Number(new URL(server.url).port);
    expect(await logLine(server, 'listening')).toMatchObject({ port });
    const url = server.url;
    expect((await call(url, 'GET', '/readyz')).status).toBe(200);
    const created = await call<TaskJson>(url, 'POST', '/api/tasks', {
      json: { title: 'From the process' },
    });
    expect(created.status).toBe(201);
    expect(server.logs.find((line) => line.msg === 'starting')).toMatchObject({
      config: { DATABASE_URL: '[redacted]', PORT: port },
    });

    server.child.kill('SIGTERM');
    await logLine(server, 'shutting down: readiness now fails');
    // Still serving while load balancers catch up, but no longer ready.
    expect((await call(url, 'GET', '/readyz')).status).toBe(503);
    expect((await call<TaskJson>(url, 'GET', `/api/tasks/${created.body.id}`)).status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(server.logs.at(-1)).toMatchObject({ msg: 'shutdown complete' });
  }, 60_000);

  it('refuses to start with invalid settings, naming them', async () => {
    const run = await runCommand(SERVER, [], { PORT: 'http', CACHE_TTL_SECONDS: '-1' });
    expect(run.code).toBe(1);
    const fatal = run.lines.find((line) => line.msg === 'invalid configuration') as {
      err: { keys: string[] };
    };
    expect(fatal.err.keys.sort()).toEqual(['CACHE_TTL_SECONDS', 'PORT']);
  }, 60_000);
});
