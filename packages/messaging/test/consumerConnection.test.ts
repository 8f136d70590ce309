// openConsumerConnection against a real RabbitMQ: the topology declared and the consumer attached
// on the first connect and again after the broker closes the connection.
import { hostname } from 'node:os';
import { createConsumerMetrics, createMetrics } from '@taller/telemetry';
import { amqpUrl, deleteBrokerObjects, rabbitmqctl, uniqueName, waitFor } from '@taller/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openConsumerConnection,
  publishConfirmed,
  QueueConsumer,
  settle,
  type BrokerConnection,
} from '../src/index.js';
import { capturingLogger } from './support.js';

const prefix = uniqueName('messaging_consumer_connection');
let broker: BrokerConnection | undefined;

afterAll(async () => {
  await broker?.close();
  await deleteBrokerObjects(prefix);
});

describe('openConsumerConnection', () => {
  it('declares the topology and attaches the consumer on every connect', async () => {
    const queue = `${prefix}.work`;
    const name = uniqueName('consumer-app');
    const { logger } = capturingLogger();
    const received: string[] = [];
    let declared = 0;
    const consumer = new QueueConsumer({
      queue,
      prefetch: 5,
      logger,
      utilisation: createConsumerMetrics(createMetrics().registry).track(queue, 5),
      handler: async (message, channel) => {
        received.push(message.content.toString());
        settle(channel, message, 'ack');
      },
    });
    broker = await openConsumerConnection({
      settings: {
        AMQP_URL: await amqpUrl(),
        AMQP_RECONNECT_INITIAL_DELAY_MS: 50,
        AMQP_RECONNECT_MAX_DELAY_MS: 200,
      },
      name,
      logger,
      declare: async (channel) => {
        declared += 1;
        await channel.assertQueue(queue, { durable: true });
      },
      consumer,
    });
    await waitFor('connected', () => broker!.connected);
    const publish = (body: string) =>
      publishConfirmed(broker!.publisher!, '', queue, Buffer.from(body), { messageId: body });
    await publish('first');
    await waitFor('the first message', () => received.includes('first'));

    // Closed from the broker's side, found by the name it was opened under.
    const connections = await rabbitmqctl('list_connections', 'pid', 'client_properties');
    const line = connections.split('\n').find((l) => l.includes(`"${name}@${hostname()}"`));
    expect(line).toBeDefined();
    await rabbitmqctl('close_connection', line!.split('\t')[0]!, 'closed by a test');
    await waitFor('declared again', () => declared === 2 && broker!.connected, {
      timeoutMs: 10_000,
    });
    await publish('second');
    await waitFor('the second message', () => received.includes('second'));
  });
});
