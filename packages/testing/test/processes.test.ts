import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  publicTables,
  runCommand,
  startProcess,
  stopAll,
  waitFor,
  waitUntilHealthy,
} from '../src/index.js';

const APP_DIR = fileURLToPath(new URL('fixtures/app', import.meta.url));
const ENTRY = `${APP_DIR}/src/server.ts`;

afterAll(async () => {
  await stopAll();
});

describe('startProcess', () => {
  it('runs the entry from its app folder on a free local port, with the given settings', async () => {
    const app = await startProcess('fixture', ENTRY, { GREETING: 'hola' });
    expect((await fetch(`${app.url}/livez`)).status).toBe(200);
    const listening = await waitFor('the listening line', () =>
      app.logs.find((line) => line.msg === 'listening'),
    );
    expect(listening).toEqual({
      msg: 'listening',
      cwd: APP_DIR,
      host: '127.0.0.1',
      port: Number(new URL(app.url).port),
      drainDelay: '0',
      greeting: 'hola',
    });
    await waitFor('the non-JSON line', () => app.logs.some((line) => line.msg === 'not json'));

    expect(await app.stop()).toBe(0);
    expect(app.logs.at(-1)).toEqual({ msg: 'stopping' });
    expect(app.tail(1)).toContain('"stopping"');
  });

  it('fails with what the process wrote when it exits before listening', async () => {
    await expect(startProcess('broken', ENTRY, { EXIT_AT_START: '1' })).rejects.toThrow(
      /broken exited \(3\) before listening: cannot start: EXIT_AT_START is set/,
    );
  });

  it('waitUntilHealthy waits for a readiness report of "ok"', async () => {
    const app = await startProcess('slow', ENTRY, { READY_AFTER_MS: '600' });
    const before = (await (await fetch(`${app.url}/readyz`)).json()) as { status: string };
    expect(before.status).toBe('starting');
    await waitUntilHealthy(app);
    const after = (await (await fetch(`${app.url}/readyz`)).json()) as { status: string };
    expect(after.status).toBe('ok');
    await expect(
      waitUntilHealthy(await startProcess('never', ENTRY, { READY_AFTER_MS: '600000' }), 300),
    ).rejects.toThrow(/never not healthy: {"status":"starting"}/);
  });

  it('stopAll kills every process still running', async () => {
    const apps = await Promise.all([
      startProcess('one', ENTRY, {}),
      startProcess('two', ENTRY, {}),
    ]);
    await stopAll();
    expect(await Promise.all(apps.map((app) => app.exited))).toEqual(['SIGKILL', 'SIGKILL']);
  });
});

describe('freePort', () => {
  it('gives a port nothing listens on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});

describe('runCommand', () => {
  it('runs an entry point to its end with a bare environment: exit code, stdout lines, stderr', async () => {
    process.env.RUN_COMMAND_PROBE = 'set in the test process only';
    const run = await runCommand(`${APP_DIR}/src/command.ts`, ['3', 'down'], { GREETING: 'hola' });
    delete process.env.RUN_COMMAND_PROBE;
    expect(run.code).toBe(3);
    expect(run.lines).toEqual([
      {
        msg: 'ran',
        args: ['down'],
        cwd: APP_DIR,
        greeting: 'hola',
        secretsDir: '/nonexistent',
        inherited: null,
      },
      { msg: 'plain words' },
    ]);
    expect(run.stderr).toBe('a warning on stderr\n');
    expect((await runCommand(`${APP_DIR}/src/command.ts`)).code).toBe(0);
  });
});

describe('publicTables', () => {
  it("lists the public schema's tables, sorted, without views or other schemas", async () => {
    const database = await createTestDatabase('testing_tables');
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(
        `CREATE TABLE zebra (id int); CREATE TABLE apple (id int);
         CREATE VIEW mango AS SELECT * FROM apple;
         CREATE SCHEMA other; CREATE TABLE other.kiwi (id int)`,
      );
      await client.end();
      expect(await publicTables(database.url)).toEqual(['apple', 'zebra']);
    } finally {
      await database.drop();
    }
  });
});
