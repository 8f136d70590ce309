import { fileURLToPath } from 'node:url';
import type { Logger } from '@taller/telemetry';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

// The same path from src/db (tsx) and dist/db (the image): the app's own migrations/ folder.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface MigrationOptions {
  connection: pg.ClientConfig;
  logger: Logger;
  direction?: 'up' | 'down';
}

/**
 * Applies pending migrations (or rolls back the last one) in one transaction. An advisory lock
 * makes concurrent runs (two Job pods, a retry) wait for each other instead of failing.
 */
export async function runMigrations({
  connection,
  logger,
  direction = 'up',
}: MigrationOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: connection,
    dir: MIGRATIONS_DIR,
    direction,
    count: direction === 'up' ? Infinity : 1,
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
  return applied.map((migration) => migration.name);
}
