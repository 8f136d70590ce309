import type { AddressInfo } from 'node:net';
import { Health } from '@taller/health';
import { createPool, runMigrations } from '@taller/postgres';
import { createLogger, createMetrics } from '@taller/telemetry';
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
import { buildApp } from '../../src/app.js';
import { configSchema, type Config } from '../../src/config.js';
import { MIGRATIONS_DIR } from '../../src/db/migrationsDir.js';
import { dependencyChecks } from '../../src/dependencyChecks.js';
import { createRedis } from '../../src/redis/createRedis.js';

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
  /** The value of one series on /metrics, e.g. `cache_hits_total{cache="task"}`; 0 when absent. */
  metric(series: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The app as server.ts builds it, listening on a free port, against real PostgreSQL and Redis.
 * Settings are the production defaults plus `env`; the Redis prefix is unique to this app unless
 * `env` names one, and the rate limit is off unless `env` sets it.
 */
export async function startTestApp(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = configSchema.parse({
    DATABASE_URL: databaseUrl,
    REDIS_URL: await redisUrl(),
    REDIS_PREFIX: `${uniqueName('fullstack')}:`,
    RATE_LIMIT_POINTS: '0',
    ...env,
  });
  const { destination, lines: logs } = captureLines();
  const logger = createLogger({ name: 'fullstack-api', level: 'info', destination });
  const pool = createPool(config, { applicationName: 'fullstack-api', logger });
  const redis = createRedis(config);
  const metrics = createMetrics();
  const health = new Health({ checks: dependencyChecks(pool, redis) });
  const app = buildApp({ config, pool, redis, logger, metrics, health });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  // The first requests should find Redis connected, as they do after server.ts's start.
  const deadline = Date.now() + 5000;
  while (['wait', 'connecting', 'connect'].includes(redis.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  health.markStarted();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    config,
    pool,
    redis,
    health,
    logs,
    async metric(series) {
      return metricValue(await (await fetch(`${url}/metrics`)).text(), series);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
      await pool.end();
    },
  };
}
