import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Health, limitServer, urlOf, type Resource, type RunningApp } from '@taller/health';
import { createPool, registerPoolMetrics } from '@taller/postgres';
import type { Logger, Metrics } from '@taller/telemetry';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { dependencyChecks } from './dependencyChecks.js';
import { createAppMetrics } from './metrics.js';
import { createRedis } from './redis/createRedis.js';

export interface FullstackApp extends RunningApp {
  config: Config;
  pool: pg.Pool;
  redis: Redis;
  metrics: Metrics;
}

/**
 * The running app (config in, started app out), as `server.ts` and the tests start it: the
 * PostgreSQL pool and the Redis client, metrics and health, the HTTP server listening on
 * HOST:PORT, marked started. `resources` close the pool and the client after the server.
 */
export async function startApp(
  config: Config,
  { logger }: { logger: Logger },
): Promise<FullstackApp> {
  const pool = createPool(config, { applicationName: 'fullstack-api', logger });
  const redis = createRedis(config);
  const resources: Resource[] = [
    { name: 'postgres', close: () => pool.end() },
    { name: 'redis', close: () => closeRedis(redis) },
  ];
  const metrics = createAppMetrics();
  registerPoolMetrics(metrics.registry, pool);
  const health = new Health({ checks: dependencyChecks(pool, redis) });
  const server = buildApp({ config, pool, redis, logger, metrics, health }).listen(
    config.PORT,
    config.HOST,
  );
  limitServer(server, config);
  try {
    await once(server, 'listening');
  } catch (error) {
    for (const resource of resources.toReversed()) await resource.close();
    throw error;
  }
  await redisSettled(redis);
  health.markStarted();
  return { server, url: urlOf(server), health, resources, config, pool, redis, metrics };
}

// Gives Redis a moment so the first requests find the cache: until it is ready, refuses the
// connection, or 2 s pass (then the app starts degraded and serves from PostgreSQL).
async function redisSettled(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await Promise.race([
    new Promise((resolve) => redis.once('ready', resolve)),
    new Promise((resolve) => redis.once('error', resolve)),
    sleep(2000, undefined, { ref: false }),
  ]);
}

// QUIT lets Redis finish what it was sent; a connection that cannot take it (down, or stuck
// after a failure) is dropped instead.
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // not writable after all: disconnect below
    }
  }
  redis.disconnect();
}
