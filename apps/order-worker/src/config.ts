import { loadConfig, serverSettings, shutdownSettings } from '@taller/config';
import { brokerName, brokerSettings } from '@taller/messaging';
import { z } from 'zod';

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const configSchema = z.object({
  ...serverSettings({ port: 3002 }),

  // RabbitMQ: a URL (its password can come from AMQP_URL_FILE), reconnect backoff, names.
  ...brokerSettings(),
  ORDERS_EXCHANGE: brokerName('orders'),
  ORDERS_QUEUE: brokerName('order-worker.orders'),
  QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),
  /** Messages in flight per worker process: delivered, not yet acked. */
  PREFETCH: z.coerce.number().int().min(1).max(10_000).default(10),

  /** Retries of a transient failure before the message goes to the dead-letter queue. */
  MAX_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  /** First retry delay; each next one doubles (1 s, 2 s, 4 s...). */
  RETRY_BASE_DELAY_MS: milliseconds(1000),

  /** Simulated fulfilment time per order, so load tests can make workers the bottleneck. */
  FULFILMENT_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(20),
  /** Simulated transient failures: the share of fulfilment attempts that fail at random... */
  FULFILMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** ...and the number of first attempts of every order that fail (deterministic, for tests). */
  FULFILMENT_FAILING_ATTEMPTS: z.coerce.number().int().min(0).max(100).default(0),
  /** Orders whose total exceeds this many cents fail with credit_limit_exceeded. */
  CREDIT_LIMIT_CENTS: z.coerce.number().int().min(0).default(1_000_000),

  // The worker serves no traffic through a Service, so it stops consuming at once by default.
  ...shutdownSettings({ drainDelayMs: 0 }),
});

export type Config = z.output<typeof configSchema>;

/** The settings from the environment and mounted secret files; throws a ConfigError naming bad keys. */
export function readConfig(): Config {
  return loadConfig(configSchema);
}
