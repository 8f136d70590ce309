import { runMigrations } from '@taller/postgres';
import { createTestDatabase, type TestDatabase } from '@taller/testing';
import { createLogger } from '@taller/telemetry';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../../src/db/migrationsDir.js';

export interface MigratedDatabase {
  database: TestDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A fresh database for one test file, migrated with the app's own migrations. */
export async function migratedDatabase(): Promise<MigratedDatabase> {
  const database = await createTestDatabase('orders');
  await runMigrations({
    dir: MIGRATIONS_DIR,
    connection: { connectionString: database.url },
    logger: createLogger({ name: 'migrate', level: 'warn' }),
  });
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  // Connections a test terminates on purpose, idle or checked out.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    database,
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
