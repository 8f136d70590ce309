import { Redis } from 'ioredis';
import type { Config } from '../config.js';

/**
 * A Redis client tuned for a cache that must never hold requests hostage: commands fail at once
 * while disconnected (no offline queue piling up), a command that does not answer within
 * REDIS_COMMAND_TIMEOUT_MS fails, and reconnection keeps trying in the background.
 */
export function createRedis(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_PASSWORD' | 'REDIS_COMMAND_TIMEOUT_MS'>,
): Redis {
  const url = new URL(config.REDIS_URL);
  if (!url.password && config.REDIS_PASSWORD) url.password = config.REDIS_PASSWORD;
  return new Redis(url.toString(), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // Commands issued in the same tick (many concurrent requests) share one write to the socket.
    enableAutoPipelining: true,
    connectionName: 'fullstack-api',
  });
}
