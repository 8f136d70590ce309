import type { Logger } from '@taller/telemetry';
import pg from 'pg';
import { databaseError } from './databaseError.js';
import { connectionConfig, type DatabaseSettings } from './settings.js';

export interface PoolOptions {
  /** Shown as `application_name` in pg_stat_activity. */
  applicationName: string;
  logger: Logger;
}

/** The app's connection pool; every query is bounded on the server and on the client. */
export function createPool(
  settings: DatabaseSettings,
  { applicationName, logger }: PoolOptions,
): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(settings),
    application_name: applicationName,
    max: settings.DATABASE_POOL_MAX,
    // Also bounds the wait for a free pooled connection, so an exhausted pool fails fast.
    connectionTimeoutMillis: settings.DATABASE_CONNECT_TIMEOUT_MS,
    statement_timeout: settings.DATABASE_STATEMENT_TIMEOUT_MS,
    // A network partition never answers: the client gives up shortly after the server would.
    query_timeout: settings.DATABASE_STATEMENT_TIMEOUT_MS + 1000,
  });
  // A pooled connection that breaks (server restart, pg_terminate_backend) is dropped from the
  // pool. pg reports it as an 'error' event on the client, which would crash the process if no
  // listener happened to be attached at that moment (a client checked out between queries has
  // none): every client gets one for its whole life. Failed queries report the error themselves.
  pool.on('connect', (client) => {
    client.on('error', (error) =>
      logger.debug({ err: databaseError(error) }, 'database connection failed'),
    );
  });
  pool.on('error', (error) =>
    logger.warn({ err: databaseError(error) }, 'idle database connection failed'),
  );
  return pool;
}
