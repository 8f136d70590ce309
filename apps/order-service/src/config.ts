import { loadConfig, serverSettings, shutdownSettings } from '@taller/config';
import { brokerName, brokerSettings } from '@taller/messaging';
import { databaseSettings } from '@taller/postgres';
import { z } from 'zod';

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const count = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

export const configSchema = z.object({
  ...serverSettings({ port: 3001 }),

  // PostgreSQL: DATABASE_URL or the PG* parts, pool size and timeouts.
  ...databaseSettings({ database: 'orders' }),
  // Concurrent order inserts and result updates are written as multi-row statements.
  DATABASE_WRITE_BATCH_MAX: count(100, 1000),
  DATABASE_WRITE_CONCURRENCY: count(4, 100),
  // Past this many writes waiting for a batch, requests get 503 with Retry-After.
  DATABASE_WRITE_QUEUE_MAX: count(2000, 100_000),

  // RabbitMQ: a URL (its password can come from AMQP_URL_FILE), reconnect backoff, names.
  ...brokerSettings(),
  ORDERS_EXCHANGE: brokerName('orders'),
  RESULTS_QUEUE: brokerName('order-service.results'),
  RESULTS_PREFETCH: count(50, 10_000),
  QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),

  OUTBOX_BATCH_SIZE: count(200, 10_000),
  OUTBOX_RELAY_CONCURRENCY: count(3, 100),
  OUTBOX_POLL_INTERVAL_MS: milliseconds(1000),
  OUTBOX_RETENTION_SECONDS: z.coerce.number().int().min(0).default(3600),

  JSON_BODY_LIMIT_BYTES: z.coerce.number().int().min(64).default(32_768),

  ...shutdownSettings(),
});

export type Config = z.output<typeof configSchema>;

/** The settings from the environment and mounted secret files; throws a ConfigError naming bad keys. */
export function readConfig(): Config {
  return loadConfig(configSchema);
}
