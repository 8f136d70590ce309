// The migration command as operators run it: a separate process, up, idempotent, and down.
import { fileURLToPath } from 'node:url';
import { createTestDatabase, publicTables, runCommand, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MIGRATE = fileURLToPath(new URL('../src/migrate.ts', import.meta.url));
let database: TestDatabase;

const migrate = (...args: string[]) => runCommand(MIGRATE, args, { DATABASE_URL: database.url });

const tables = () => publicTables(database.url);

beforeAll(async () => {
  database = await createTestDatabase('orders_migrate');
});

afterAll(async () => {
  await database?.drop();
});

describe('migrate command', () => {
  it('creates the schema, does nothing when run again, and rolls back one migration per "down"', async () => {
    expect((await migrate()).code).toBe(0);
    expect(await tables()).toEqual(['orders', 'outbox', 'pgmigrations']);
    const again = await migrate('up');
    expect(again.code).toBe(0);
    expect(again.lines.map((line) => line.msg)).toContain('nothing to migrate');
    expect((await migrate('down')).code).toBe(0);
    expect((await migrate('down')).code).toBe(0);
    expect(await tables()).toEqual(['pgmigrations']);
  });

  it('fails with a clear message on an unknown direction', async () => {
    const run = await migrate('sideways');
    expect(run.code).toBe(1);
    expect(JSON.stringify(run.lines)).toContain('unknown direction');
  });
});
