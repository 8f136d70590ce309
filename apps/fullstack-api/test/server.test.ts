import type { TestDatabase } from '@taller/testing';
import { redisUrl, uniqueName } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type TaskJson } from './support/http.js';
import { runScript, type RunningScript } from './support/process.js';
import { migratedDatabase } from './support/testApp.js';

let database: TestDatabase;
const running: RunningScript[] = [];

beforeAll(async () => {
  database = await migratedDatabase();
});

afterAll(async () => {
  for (const { child } of running) child.kill('SIGKILL');
  await database?.drop();
});

async function waitForLine(run: RunningScript, msg: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = run.lines.find((candidate) => candidate.msg === msg);
    if (line) return line;
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no "${msg}" log line; got ${JSON.stringify(run.lines)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the server process', () => {
  it('starts, serves, and on SIGTERM fails readiness, drains and exits 0', async () => {
    const server = runScript('src/server.ts', [], {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: await redisUrl(),
      REDIS_PREFIX: `${uniqueName('server')}:`,
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
    });
    running.push(server);
    const { port } = (await waitForLine(server, 'listening')) as { port: number };
    const url = `http://127.0.0.1:${port}`;
    expect((await call(url, 'GET', '/readyz')).status).toBe(200);
    const created = await call<TaskJson>(url, 'POST', '/api/tasks', {
      json: { title: 'From the process' },
    });
    expect(created.status).toBe(201);
    expect(server.lines.find((line) => line.msg === 'starting')).toMatchObject({
      config: { DATABASE_URL: '[redacted]', PORT: 0 },
    });

    server.child.kill('SIGTERM');
    await waitForLine(server, 'shutting down: readiness now fails');
    // Still serving while load balancers catch up, but no longer ready.
    expect((await call(url, 'GET', '/readyz')).status).toBe(503);
    expect((await call<TaskJson>(url, 'GET', `/api/tasks/${created.body.id}`)).status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(server.lines.at(-1)).toMatchObject({ msg: 'shutdown complete' });
  }, 60_000);

  it('refuses to start with invalid settings, naming them', async () => {
    const server = runScript('src/server.ts', [], { PORT: 'http', CACHE_TTL_SECONDS: '-1' });
    running.push(server);
    expect(await server.exited).toBe(1);
    const fatal = server.lines.find((line) => line.msg === 'invalid configuration') as {
      err: { keys: string[] };
    };
    expect(fatal.err.keys.sort()).toEqual(['CACHE_TTL_SECONDS', 'PORT']);
  }, 60_000);
});
