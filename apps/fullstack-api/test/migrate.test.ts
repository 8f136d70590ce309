import { fileURLToPath } from 'node:url';
import { createTestDatabase, publicTables, runCommand, type TestDatabase } from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MIGRATE = fileURLToPath(new URL('../src/migrate.ts', import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('fullstack_migrate');
});

afterAll(async () => {
  await database?.drop();
});

const tables = () => publicTables(database.url);

const migrate = (...args: string[]) => runCommand(MIGRATE, args, { DATABASE_URL: database.url });

describe('the migrate command', () => {
  it('creates the schema, does nothing the second time, and rolls back with "down"', async () => {
    const first = await migrate();
    expect(first.code).toBe(0);
    expect(first.lines.at(-1)).toMatchObject({
      msg: 'migrations applied',
      applied: ['1764100000000_create-tasks'],
    });
    expect(await tables()).toEqual(['pgmigrations', 'tasks']);

    const second = await migrate('up');
    expect(second.code).toBe(0);
    expect(second.lines.at(-1)).toMatchObject({ msg: 'nothing to migrate', applied: [] });

    const down = await migrate('down');
    expect(down.code).toBe(0);
    expect(await tables()).toEqual(['pgmigrations']);
    expect((await migrate()).code).toBe(0);
    expect(await tables()).toEqual(['pgmigrations', 'tasks']);
  }, 60_000);

  it('lets two concurrent runs (two Job pods) both succeed', async () => {
    const fresh = await createTestDatabase('fullstack_migrate_race');
    try {
      const runs = [0, 1].map(async () => {
        const run = await runCommand(MIGRATE, [], { DATABASE_URL: fresh.url });
        return run.code;
      });
      expect(await Promise.all(runs)).toEqual([0, 0]);
    } finally {
      await fresh.drop();
    }
  }, 60_000);

  it('exits 1 with a clear message when it cannot migrate', async () => {
    const bad = await migrate('sideways');
    expect(bad.code).toBe(1);
    expect(JSON.stringify(bad.lines)).toContain('unknown direction');

    const run = await runCommand(MIGRATE, [], { DATABASE_URL: 'not-a-url' });
    expect(run.code).toBe(1);
    expect(JSON.stringify(run.lines)).toContain('DATABASE_URL');
    expect(JSON.stringify(run.lines) + run.stderr).not.toContain('not-a-url');
  }, 60_000);
});
