// The process: settings, connections, the HTTP server, and a graceful shutdown on SIGTERM.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readConfigOrExit } from '@taller/config';
import { Health, gracefulShutdown, limitServer, urlOf } from '@taller/health';
import { createPool } from '@taller/postgres';
import { buildInfo, createLogger, createMetrics } from '@taller/telemetry';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { dependencyChecks } from './dependencyChecks.js';
import { createRedis } from './redis/createRedis.js';

const logger = createLogger({ name: 'fullstack-api' });

const config = readConfigOrExit(readConfig, logger);

const pool = createPool(config, { applicationName: 'fullstack-api', logger });
const redis = createRedis(config);
const metrics = createMetrics({ build: buildInfo('fullstack-api') });
const health = new Health({ checks: dependencyChecks(pool, redis) });
const app = buildApp({ config, pool, redis, logger, metrics, health });

const server = app.listen(config.PORT, config.HOST);
limitServer(server, config);
await once(server, 'listening');

gracefulShutdown({
  app: {
    server: server,
    url: urlOf(server),
    health,
    resources: [
      { name: 'postgres', close: () => pool.end() },
      {
        name: 'redis',
        close: () => (redis.status === 'ready' ? redis.quit() : redis.disconnect()),
      },
    ],
  },
  logger,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});

// Give Redis a moment so the first requests find the cache; without it the app starts degraded.
if (redis.status !== 'ready') {
  await Promise.race([new Promise((resolve) => redis.once('ready', resolve)), sleep(2000)]);
}
health.markStarted();
const { address, port } = server.address() as AddressInfo;
logger.info({ address, port, redis: redis.status }, 'listening');
