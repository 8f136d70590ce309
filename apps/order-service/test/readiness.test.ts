// Readiness reads the app's own tables: a replica whose database has not been migrated yet is
// not ready, and a broker outage only degrades it.
import { Health } from '@taller/health';
import { runMigrations } from '@taller/postgres';
import { createLogger } from '@taller/telemetry';
import { createTestDatabase, type TestDatabase } from '@taller/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/db/migrationsDir.js';
import { dependencyChecks } from '../src/dependencyChecks.js';

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase('orders_readiness');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // The drop below ends (WITH FORCE) a connection pool.end() may not have closed yet.
  pool.on('connect', (client) => client.on('error', () => undefined));
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('readiness', () => {
  it('fails until the migrations have run, then only degrades without the broker', async () => {
    const broker = { connected: true };
    const health = new Health({ checks: dependencyChecks(pool, broker) });
    health.markStarted();

    const before = await health.readiness();
    expect(before.status).toBe('fail');
    expect(before.checks.database).toMatchObject({ status: 'fail', critical: true });
    expect(before.checks.database!.error).toMatch(/does not exist/);

    await runMigrations({
      dir: MIGRATIONS_DIR,
      connection: { connectionString: database.url },
      logger: createLogger({ name: 'migrate', level: 'silent' }),
    });
    expect((await health.readiness()).status).toBe('ok');

    broker.connected = false;
    const withoutBroker = await health.readiness();
    expect(withoutBroker.status).toBe('degraded');
    expect(withoutBroker.checks.broker).toMatchObject({ status: 'fail', critical: false });
  });
});
