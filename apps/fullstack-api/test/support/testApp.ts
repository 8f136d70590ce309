import { closeApp, type Health } from '@taller/health';
import { runMigrations } from '@taller/postgres';
import { createLogger } from '@taller/telemetry';
import {
  captureLines,
  createTestDatabase,
  metricValue,
  redisUrl,
  uniqueName,
  type TestDatabase,
} from '@taller/testing';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { configSchema, type Config } from '../../src/config.js';
import { MIGRATIONS_DIR } from '../../src/db/migrationsDir.js';
import { startApp } from '../../src/startApp.js';

/** A new database with the app's migrations applied. */
export async function migratedDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase('fullstack');
  await runMigrations({
    dir: MIGRATIONS_DIR,
    connection: { connectionString: database.url },
    logger: createLogger({ name: 'migrate', level: 'silent' }),
  });
  return database;
}

export interface TestApp {
  url: string;
  config: Config;
  pool: pg.Pool;
  redis: Redis;
  health: Health;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** The value of one series on /metrics, e.g. `fullstack_cache_hits_total{cache="task"}`; 0 when absent. */
  metric(series: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The app as server.ts starts it (startApp), listening on a free port, against real PostgreSQL
 * and Redis. Settings are the production defaults plus `env`; the Redis prefix is unique to this
 * app unless `env` names one, and the rate limit is off unless `env` sets it.
 */
export async function startTestApp(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = configSchema.parse({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: await redisUrl(),
    REDIS_PREFIX: `${uniqueName('fullstack')}:`,
    RATE_LIMIT_POINTS: '0',
    ...env,
  });
  const { destination, lines: logs } = captureLines();
  const logger = createLogger({ name: 'fullstack-api', level: 'info', destination });
  const app = await startApp(config, { logger });
  return {
    url: app.url,
    config,
    pool: app.pool,
    redis: app.redis,
    health: app.health,
    logs,
    async metric(series) {
      return metricValue(await (await fetch(`${app.url}/metrics`)).text(), series);
    },
    close: () => closeApp(app),
  };
}
