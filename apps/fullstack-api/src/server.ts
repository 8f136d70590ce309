// The process: settings, connections, the HTTP server, and a graceful shutdown on SIGTERM.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readConfigOrExit } from '@taller/config';
import { Health, gracefulShutdown, limitServer } from '@taller/health';
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

const shutdown = gracefulShutdown({
  health,
  logger,
  server,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});
shutdown.onClose('postgres', () => pool.end());
shutdown.onClose('redis', () => (redis.status === 'ready' ? redis.quit() : redis.disconnect()));

// Give Redis a moment so the first requests find the cache; without it the app starts degraded.
if (redis.status !== 'ready') {
  await Promise.race([new Promise((resolve) => redis.once('ready', resolve)), sleep(2000)]);
}
health.markStarted();
const { address, port } = server.address() as AddressInfo;
logger.info({ address, port, redis: redis.status }, 'listening');
