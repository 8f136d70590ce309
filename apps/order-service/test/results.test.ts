// Applying result events from a real RabbitMQ queue to real orders: exactly once in effect,
// never a regression, and nothing unusable lost or redelivered forever.
import { randomUUID } from 'node:crypto';
import { BrokerConnection, QueueConsumer } from '@taller/messaging';
import { amqpUrl, deleteBrokerObjects, drainQueue, metricValue, waitFor } from '@taller/testing';
import { createConsumerMetrics, createLogger } from '@taller/telemetry';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterQueueOf, declareTopology } from '../src/broker/topology.js';
import { createServiceMetrics } from '../src/metrics.js';
import { OrderRepository } from '../src/orders/orderRepository.js';
import { placeOrder } from '../src/orders/placeOrder.js';
import { createResultHandler } from '../src/results/resultHandler.js';
import { brokerNames } from './support/broker.js';
import { migratedDatabase, type MigratedDatabase } from './support/database.js';
import { orderBody } from './support/orders.js';

const logger = createLogger({ name: 'results-test', level: 'silent' });
const names = brokerNames();
const registry = new Registry();
let db: MigratedDatabase;
let orders: OrderRepository;
let broker: BrokerConnection;
let consumer: QueueConsumer;
let publisherConnection: ChannelModel;
let publisher: ConfirmChannel;

function processedEvent(orderId: string, totalCents = 1210) {
  return {
    version: 1,
    type: 'order.processed',
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    orderId,
    totals: { currency: 'EUR', subtotalCents: 1000, taxCents: 210, shippingCents: 0, totalCents },
    itemCount: 2,
  };
}

async function publish(routingKey: string, body: unknown) {
  const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  publisher.publish(names.exchange, routingKey, content, {
    persistent: true,
    messageId: randomUUID(),
  });
  await publisher.waitForConfirms();
}

const metric = async (series: string) => metricValue(await registry.metrics(), series);

async function statusOf(id: string) {
  return (await orders.findById(id))!;
}

beforeAll(async () => {
  db = await migratedDatabase();
  orders = new OrderRepository(db.pool);
  consumer = new QueueConsumer({
    queue: names.resultsQueue,
    prefetch: 10,
    logger,
    utilisation: createConsumerMetrics(registry).track(names.resultsQueue, 10),
    handler: createResultHandler({
      orders,
      deadLetterQueue: deadLetterQueueOf(names.resultsQueue),
      logger,
      metrics: createServiceMetrics(registry),
      stopping: () => consumer.stopping,
    }),
  });
  broker = await BrokerConnection.open({
    url: await amqpUrl(),
    name: 'results-test',
    logger,
    initialDelayMs: 100,
    maxDelayMs: 1000,
    setup: async ({ publisher: channel, openChannel }) => {
      await declareTopology(channel, {
        exchange: names.exchange,
        resultsQueue: names.resultsQueue,
        queueType: 'classic',
      });
      await consumer.attach(await openChannel());
    },
  });
  await broker.waitForConnect();
  publisherConnection = await amqp.connect(await amqpUrl());
  publisher = await publisherConnection.createConfirmChannel();
});

afterAll(async () => {
  await consumer?.stop();
  await broker?.close();
  await publisherConnection?.close();
  await deleteBrokerObjects(names.prefix);
  await db?.close();
});

describe('result events', () => {
  it('moves an order to its final status once; repeats and contradictions change nothing', async () => {
    const { order } = await placeOrder(orders, orderBody(1), undefined);
    const event = processedEvent(order.id);
    await publish('order.processed', event);
    const processed = await waitFor('processed', async () => {
      const current = await statusOf(order.id);
      return current.status === 'processed' && current;
    });
    expect(processed.result).toEqual({ totals: event.totals, itemCount: 2 });
    expect(processed.processedAt?.toISOString()).toBe(event.occurredAt);

    // The same result again (a redelivery): a duplicate, nothing changes.
    await publish('order.processed', { ...event, eventId: randomUUID() });
    await waitFor(
      'a duplicate',
      async () => (await metric('order_service_results_total{outcome="duplicate"}')) === 1,
    );
    // A failure, or different totals, for a processed order: a conflict, kept out.
    await publish('order.failed', {
      ...event,
      type: 'order.failed',
      totals: undefined,
      itemCount: undefined,
      reason: { code: 'credit_limit_exceeded', message: 'too much' },
    });
    await publish('order.processed', processedEvent(order.id, 9999));
    await waitFor(
      'two conflicts',
      async () => (await metric('order_service_results_total{outcome="conflict"}')) === 2,
    );
    expect(await statusOf(order.id)).toEqual(processed);
    expect(await metric('order_service_orders_processed_total')).toBe(1);
    expect(await metric('order_service_results_total{outcome="applied"}')).toBe(1);
    expect(await metric('order_service_end_to_end_duration_seconds_count')).toBe(1);
  });

  it('dead-letters what can never be applied, with the reason, and keeps consuming', async () => {
    const { order } = await placeOrder(orders, orderBody(2), undefined);
    const unknownOrder = processedEvent(randomUUID());
    await publish('order.processed', '{"version": 1, "type": "order.proc');
    await publish('order.processed', { ...processedEvent(order.id), version: 2 });
    await publish('order.failed', { version: 1, type: 'order.failed', orderId: order.id });
    await publish('order.processed', unknownOrder);
    await publish('order.failed', {
      ...processedEvent(order.id),
      type: 'order.failed',
      reason: { code: 'credit_limit_exceeded', message: 'The total exceeds the credit limit' },
    });

    await waitFor(
      'the valid event applied',
      async () => (await statusOf(order.id)).status === 'failed',
    );
    const dead = await drainQueue(deadLetterQueueOf(names.resultsQueue), 4);
    const reasons = dead.map(
      (message) => message.properties.headers?.['x-dead-letter-reason'] as string,
    );
    expect(reasons.sort()).toEqual([
      'invalid_json',
      'invalid_schema',
      'unknown_order',
      'unsupported_version',
    ]);
    for (const message of dead) {
      expect(message.properties.headers).toMatchObject({
        'x-dead-letter-detail': expect.any(String) as string,
        'x-original-exchange': names.exchange,
        'x-original-routing-key': expect.stringMatching(/^order\.(processed|failed)$/) as string,
      });
    }
    const unknown = dead.find(
      (message) => message.properties.headers?.['x-dead-letter-reason'] === 'unknown_order',
    )!;
    expect(JSON.parse(unknown.content.toString())).toEqual(unknownOrder);
    expect(
      dead
        .find((message) => message.properties.headers?.['x-dead-letter-reason'] === 'invalid_json')!
        .content.toString(),
    ).toBe('{"version": 1, "type": "order.proc');
    expect(await metric('order_service_messages_dead_lettered_total{reason="unknown_order"}')).toBe(
      1,
    );
    expect(await metric('order_service_orders_failed_total')).toBe(1);
  });
});
