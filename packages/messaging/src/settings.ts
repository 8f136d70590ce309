import { z } from 'zod';
import { DEFAULT_CONFIRM_TIMEOUT_MS } from './publishConfirmed.js';

/** An exchange or queue name: what RabbitMQ accepts, without surprises in logs and URLs. */
export function brokerName(fallback: string) {
  return z
    .string()
    .regex(/^[\w.:-]{1,200}$/)
    .default(fallback);
}

/**
 * The connection settings of every app that talks to RabbitMQ, as a zod shape to spread into its
 * config schema: AMQP_URL (its password can come from AMQP_URL_FILE), the reconnection backoff
 * that BrokerConnection takes, and how long a publish waits for the broker's confirm.
 */
export function brokerSettings() {
  return {
    AMQP_URL: z.url({ protocol: /^amqps?$/ }).default('amqp://guest:guest@127.0.0.1:5672'),
    AMQP_RECONNECT_INITIAL_DELAY_MS: z.coerce.number().int().min(1).default(200),
    // Low: a broker back after an outage is found within about this long.
    AMQP_RECONNECT_MAX_DELAY_MS: z.coerce.number().int().min(1).default(3000),
    AMQP_CONFIRM_TIMEOUT_MS: z.coerce.number().int().min(1).default(DEFAULT_CONFIRM_TIMEOUT_MS),
  };
}
