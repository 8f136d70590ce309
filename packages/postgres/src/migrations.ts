import type { Logger } from '@taller/telemetry';
import type pg from 'pg';

export interface MigrationOptions {
  /** The app's migrations folder (SQL or JS files, node-pg-migrate's naming). */
  dir: string;
  connection: pg.ClientConfig;
  logger: Logger;
  direction?: 'up' | 'down';
}

/**
 * Applies pending migrations (or rolls back the last one) in one transaction. An advisory lock
 * makes concurrent runs (two Job pods, a retry) wait for each other instead of failing.
 */
export async function runMigrations({
  dir,
  connection,
  logger,
  direction = 'up',
}: MigrationOptions): Promise<string[]> {
  // Loaded on demand: the servers import this package for their pool and never migrate.
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    databaseUrl: connection,
    dir,
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
