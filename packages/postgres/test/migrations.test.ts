// Migrations against a real PostgreSQL: in order, once, one transaction, concurrent runs
// serialised; and the migrate command as operators run it, a separate process.
import { fileURLToPath } from 'node:url';
import { createTestDatabase, publicTables, runCommand, type TestDatabase } from '@taller/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../src/index.js';
import { capturingLogger } from './support.js';

const COMMAND = fileURLToPath(new URL('fixtures/migrate.ts', import.meta.url));
const MIGRATIONS = fileURLToPath(new URL('fixtures/migrations', import.meta.url));
const BROKEN = fileURLToPath(new URL('fixtures/broken-migrations', import.meta.url));
const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase('postgres_migrations');
  databases.push(database);
  return database;
}

const { logger } = capturingLogger('warn');

describe('runMigrations', () => {
  it('applies pending migrations in order, then nothing, and rolls back one per "down"', async () => {
    const { url } = await freshDatabase();
    const run = (direction: 'up' | 'down' = 'up') =>
      runMigrations({ dir: MIGRATIONS, connection: { connectionString: url }, logger, direction });

    expect(await run()).toEqual(['1700000000000_notes', '1700000000001_tags']);
    expect(await publicTables(url)).toEqual(['notes', 'pgmigrations', 'tags']);
    expect(await run()).toEqual([]);
    expect(await run('down')).toEqual(['1700000000001_tags']);
    expect(await publicTables(url)).toEqual(['notes', 'pgmigrations']);
  });

  it('applies each migration once when several runs start together (two Job pods)', async () => {
    const { url } = await freshDatabase();
    const runs = await Promise.all(
      [1, 2, 3].map(() =>
        runMigrations({ dir: MIGRATIONS, connection: { connectionString: url }, logger }),
      ),
    );
    expect(runs.flat().sort()).toEqual(['1700000000000_notes', '1700000000001_tags']);
  });

  it('applies nothing when one migration of the run fails', async () => {
    const { url } = await freshDatabase();
    await expect(
      runMigrations({ dir: BROKEN, connection: { connectionString: url }, logger }),
    ).rejects.toThrow(/missing_table/);
    expect(await publicTables(url)).not.toContain('notes');
  });
});

describe('runMigrateCommand', () => {
  const migrate = (env: Record<string, string>, ...args: string[]) =>
    runCommand(COMMAND, args, env);

  it('migrates up, logs what it applied with the settings redacted, and rolls back with "down"', async () => {
    const { url } = await freshDatabase();
    const up = await migrate({ DATABASE_URL: url });
    expect(up.code).toBe(0);
    expect(up.lines[0]).toMatchObject({
      name: 'notes-migrate',
      msg: 'running migrations',
      direction: 'up',
      config: { DATABASE_URL: '[redacted]', PGDATABASE: 'notes' },
    });
    expect(up.lines.at(-1)).toMatchObject({
      msg: 'migrations applied',
      applied: ['1700000000000_notes', '1700000000001_tags'],
    });
    expect((await migrate({ DATABASE_URL: url }, 'up')).lines.at(-1)).toMatchObject({
      msg: 'nothing to migrate',
      applied: [],
    });
    expect((await migrate({ DATABASE_URL: url }, 'down')).code).toBe(0);
    expect(await publicTables(url)).toEqual(['notes', 'pgmigrations']);
  });

  it('exits 1 naming the problem: an unknown direction, invalid settings (never their values)', async () => {
    const sideways = await migrate({}, 'sideways');
    expect(sideways.code).toBe(1);
    expect(sideways.lines.at(-1)).toMatchObject({ level: 'fatal', msg: 'migration failed' });
    expect(JSON.stringify(sideways.lines)).toContain('unknown direction');

    const invalid = await migrate({ DATABASE_URL: 'not-a-url', LOG_LEVEL: 'chatty' });
    expect(invalid.code).toBe(1);
    expect((invalid.lines.at(-1)?.err as { keys: string[] }).keys.sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
    ]);
    expect(JSON.stringify(invalid.lines)).not.toContain('not-a-url');
  });
});
