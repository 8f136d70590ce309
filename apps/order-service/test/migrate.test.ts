// The migration command as operators run it: a separate process, up, idempotent, and down.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, publicTables, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
let database: TestDatabase;

function migrate(...args: string[]) {
  return exec(
    process.execPath,
    ['--import', 'tsx', '--conditions=@taller/source', 'src/migrate.ts', ...args],
    {
      cwd: APP_DIR,
      env: { ...process.env, DATABASE_URL: database.url },
    },
  );
}

const tables = () => publicTables(database.url);

beforeAll(async () => {
  database = await createTestDatabase('orders_migrate');
});

afterAll(async () => {
  await database?.drop();
});

describe('migrate command', () => {
  it('creates the schema, does nothing when run again, and rolls back one migration per "down"', async () => {
    await migrate();
    expect(await tables()).toEqual(['orders', 'outbox', 'pgmigrations']);
    const again = await migrate('up');
    expect(again.stdout).toContain('nothing to migrate');
    await migrate('down');
    await migrate('down');
    expect(await tables()).toEqual(['pgmigrations']);
  });

  it('fails with a clear message on an unknown direction', async () => {
    await expect(migrate('sideways')).rejects.toMatchObject({
      stdout: expect.stringContaining('unknown direction') as string,
    });
  });
});
