import type { Logger } from '@taller/telemetry';
import pg from 'pg';
import type { Config } from '../config.js';
import { databaseError } from './databaseErrors.js';

export type DatabaseSettings = Pick<
  Config,
  | 'DATABASE_URL'
  | 'PGHOST'
  | 'PGPORT'
  | 'PGUSER'
  | 'PGPASSWORD'
  | 'PGDATABASE'
  | 'DATABASE_POOL_MAX'
  | 'DATABASE_CONNECT_TIMEOUT_MS'
  | 'DATABASE_STATEMENT_TIMEOUT_MS'
>;

/**
 * Where to connect: DATABASE_URL when set (its password completed from PGPASSWORD, so the URL can
 * live in a ConfigMap and the password in a Secret), else the PG* parts.
 */
export function connectionConfig(config: DatabaseSettings): pg.ClientConfig {
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    if (!url.password && config.PGPASSWORD) url.password = config.PGPASSWORD;
    return { connectionString: url.toString() };
  }
  return {
    host: config.PGHOST,
    port: config.PGPORT,
    user: config.PGUSER,
    password: config.PGPASSWORD,
    database: config.PGDATABASE,
  };
}

/** The app's connection pool; every query is bounded on the server and on the client. */
export function createPool(config: DatabaseSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(config),
    application_name: 'order-service',
    max: config.DATABASE_POOL_MAX,
    // Also bounds the wait for a free pooled connection, so an exhausted pool fails fast.
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    // A network partition never answers: the client gives up shortly after the server would.
    query_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS + 1000,
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
