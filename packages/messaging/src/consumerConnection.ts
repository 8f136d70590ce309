import { hostname } from 'node:os';
import type { Logger } from '@taller/telemetry';
import type { ConfirmChannel } from 'amqplib';
import { BrokerConnection } from './brokerConnection.js';
import type { QueueConsumer } from './queueConsumer.js';

/** The settings `brokerSettings()` adds to an app's config that a connection needs. */
export interface ConnectionSettings {
  AMQP_URL: string;
  AMQP_RECONNECT_INITIAL_DELAY_MS: number;
  AMQP_RECONNECT_MAX_DELAY_MS: number;
}

export interface ConsumerConnectionOptions {
  settings: ConnectionSettings;
  /** The app's name; the connection shows as `<name>@<host>` in RabbitMQ's management UI. */
  name: string;
  logger: Logger;
  /** Declares the app's exchanges and queues (idempotent: it runs on every connect). */
  declare: (channel: ConfirmChannel) => Promise<unknown>;
  consumer: QueueConsumer;
}

/**
 * The connection of an app that consumes one queue: on every (re)connect its topology is
 * declared and its consumer attached to a channel of its own; the publisher stays for results.
 */
export function openConsumerConnection({
  settings,
  name,
  logger,
  declare,
  consumer,
}: ConsumerConnectionOptions): Promise<BrokerConnection> {
  return BrokerConnection.open({
    url: settings.AMQP_URL,
    name: `${name}@${hostname()}`,
    logger,
    initialDelayMs: settings.AMQP_RECONNECT_INITIAL_DELAY_MS,
    maxDelayMs: settings.AMQP_RECONNECT_MAX_DELAY_MS,
    setup: async ({ publisher, openChannel }) => {
      await declare(publisher);
      await consumer.attach(await openChannel());
    },
  });
}
