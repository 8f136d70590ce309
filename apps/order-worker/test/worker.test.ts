// order-worker as a real process against a real RabbitMQ: results before acks, poison messages
// to the dead-letter queue, retries with backoff through TTL queues, and a clean shutdown.
import {
  amqpUrl,
  deleteBrokerObjects,
  rabbitmqctl,
  drainQueue,
  metricValue,
  startProcess,
  stopAll,
  tapExchange,
  waitFor,
  waitUntilHealthy,
  type AppProcess,
} from '@taller/testing';
import amqp from 'amqplib';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { orderResultV1 } from '../src/messages/orderResult.js';
import { brokerNames, testPublisher } from './support/broker.js';
import { brokerProxy } from './support/brokerProxy.js';
import { WORKER_ENTRY } from './support/processes.js';
import { orderCreated } from './support/orderCreated.js';

const prefixes: string[] = [];
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  await stopAll();
  for (const close of closers) await close();
  for (const prefix of prefixes) await deleteBrokerObjects(prefix);
});

/** A worker on a topology of its own, a publisher of order.created and a tap on its results. */
async function setUp(env: Record<string, string> = {}, { bindResults = true } = {}) {
  const names = brokerNames();
  prefixes.push(names.prefix);
  const publisher = await testPublisher(names.exchange);
  const results = await tapExchange(
    names.exchange,
    bindResults ? ['order.processed', 'order.failed'] : [],
  );
  closers.push(publisher.close, results.close);
  const worker = await startProcess('order-worker', WORKER_ENTRY, {
    AMQP_URL: await amqpUrl(),
    ORDERS_EXCHANGE: names.exchange,
    ORDERS_QUEUE: names.queue,
    FULFILMENT_DELAY_MS: '5',
    RETRY_BASE_DELAY_MS: '100',
    ...env,
  });
  onTestFailed(() => console.log(worker.tail()));
  // Only once its topology is declared does order.created reach the worker's queue.
  await waitUntilHealthy(worker);
  return { names, publisher, results, worker };
}

async function metric(worker: AppProcess, series: string): Promise<number> {
  return metricValue(await (await fetch(`${worker.url}/metrics`)).text(), series);
}

async function queueDepth(queue: string): Promise<number> {
  const connection = await amqp.connect(await amqpUrl());
  try {
    return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** Closes, from the broker's side, the connection of whoever consumes `queue`. */
async function closeConsumerConnection(queue: string, reason: string): Promise<void> {
  const rows = (text: string) => text.split('\n').map((line) => line.split('\t'));
  const channel = rows(await rabbitmqctl('list_consumers', 'queue_name', 'channel_pid')).find(
    ([name]) => name === queue,
  )?.[1];
  const connection = rows(await rabbitmqctl('list_channels', 'pid', 'connection')).find(
    ([pid]) => pid === channel,
  )?.[1];
  if (!connection) throw new Error(`no consumer of ${queue}`);
  await rabbitmqctl('close_connection', connection, reason);
}

const header = (message: { properties: { headers?: Record<string, unknown> } }, name: string) =>
  message.properties.headers?.[name];

describe('order-worker', () => {
  it('publishes a confirmed, persistent result for each order, then acks it', async () => {
    const { names, publisher, results, worker } = await setUp();
    const order = orderCreated();
    await publisher.publish(order);
    await waitFor('the result', () => results.messages.length === 1);
    const [message] = results.messages;
    const result = orderResultV1.parse(JSON.parse(message!.content.toString()));
    expect(result).toMatchObject({ type: 'order.processed', orderId: order.orderId, itemCount: 2 });
    expect(message!.properties).toMatchObject({
      deliveryMode: 2,
      messageId: result.eventId,
      correlationId: order.orderId,
      type: 'order.processed',
    });
    expect(message!.fields.routingKey).toBe('order.processed');
    await waitFor(
      'the order acked',
      async () => (await metric(worker, 'order_worker_orders_processed_total')) === 1,
    );
    expect(await queueDepth(names.queue)).toBe(0);
    expect(await worker.stop()).toBe(0);
    // Nothing left unacked: a clean stop puts nothing back in the queue.
    expect(await queueDepth(names.queue)).toBe(0);
  });

  it('sends malformed messages straight to the dead-letter queue with the reason, and keeps consuming', async () => {
    const { names, publisher, results, worker } = await setUp();
    const poison: [unknown, string][] = [
      ['{"version": 1, "orderId": ', 'invalid_json'],
      [Buffer.from([0xff, 0xfe, 0x00]), 'invalid_json'],
      ['[1, 2, 3]', 'invalid_schema'],
      [orderCreated({ items: [] }), 'invalid_schema'],
      [orderCreated({ orderId: 'not-a-uuid' }), 'invalid_schema'],
      [orderCreated({ version: 2 }), 'unsupported_version'],
    ];
    for (const [body] of poison) await publisher.publish(body);
    const good = orderCreated();
    await publisher.publish(good);

    await waitFor('the good order processed', () =>
      results.bodies().some((body) => body.orderId === good.orderId),
    );
    const dead = await drainQueue(`${names.queue}.dlq`, poison.length);
    expect(dead.map((message) => header(message, 'x-dead-letter-reason'))).toEqual(
      poison.map(([, reason]) => reason),
    );
    for (const [i, message] of dead.entries()) {
      const [body] = poison[i]!;
      const original = Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      expect(message.content.equals(original)).toBe(true);
      expect(header(message, 'x-dead-letter-detail')).toEqual(expect.any(String));
      expect(header(message, 'x-original-exchange')).toBe(names.exchange);
      expect(header(message, 'x-original-routing-key')).toBe('order.created');
    }
    expect(
      await metric(worker, 'order_worker_messages_dead_lettered_total{reason="invalid_schema"}'),
    ).toBe(3);
    expect(await queueDepth(names.queue)).toBe(0);
  });

  it('retries a transient failure with growing delays through the retry queues, then succeeds', async () => {
    const { names, publisher, results, worker } = await setUp({
      FULFILMENT_FAILING_ATTEMPTS: '2',
      MAX_RETRIES: '3',
    });
    const order = orderCreated();
    const started = Date.now();
    await publisher.publish(order);
    await waitFor('the result after two retries', () => results.messages.length === 1);
    // Two retries wait 100 ms then 200 ms in their TTL queues.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(JSON.parse(results.messages[0]!.content.toString())).toMatchObject({
      orderId: order.orderId,
    });
    expect(await metric(worker, 'order_worker_orders_retried_total')).toBe(2);
    expect(await metric(worker, 'order_worker_orders_processed_total')).toBe(1);
    for (const delay of [100, 200, 400])
      expect(await queueDepth(`${names.queue}.retry.${delay}ms`)).toBe(0);
  });

  it('dead-letters a message once its retries are exhausted, with the last error', async () => {
    const { names, publisher, worker } = await setUp({
      FULFILMENT_FAILING_ATTEMPTS: '10',
      MAX_RETRIES: '2',
    });
    const order = orderCreated();
    await publisher.publish(order);
    const [dead] = await drainQueue(`${names.queue}.dlq`, 1);
    expect(header(dead!, 'x-dead-letter-reason')).toBe('retries_exhausted');
    expect(header(dead!, 'x-dead-letter-detail')).toMatch(
      /after 2 retries: simulated: fulfilment attempt 3 failed/,
    );
    expect(header(dead!, 'x-retries')).toBe(2);
    expect(JSON.parse(dead!.content.toString())).toEqual(order);
    expect(
      await metric(worker, 'order_worker_messages_dead_lettered_total{reason="retries_exhausted"}'),
    ).toBe(1);
  });

  it('never acks an order whose result no queue would take: it retries, then dead-letters it', async () => {
    const { names, publisher, worker } = await setUp({ MAX_RETRIES: '1' }, { bindResults: false });
    await publisher.publish(orderCreated());
    const [dead] = await drainQueue(`${names.queue}.dlq`, 1);
    expect(header(dead!, 'x-dead-letter-detail')).toMatch(/no queue is bound/);
    expect(await metric(worker, 'order_worker_orders_processed_total')).toBe(0);
  });

  it('logs a lost broker connection with the reason the broker gave, and reconnects', async () => {
    const { names, worker } = await setUp();
    await closeConsumerConnection(names.queue, 'closed by a test');
    const loss = await waitFor('the loss logged', () =>
      worker.logs.find((line) => line.msg === 'lost the broker connection; reconnecting'),
    );
    expect(loss).toMatchObject({
      level: 'warn',
      code: 320,
      reason: 'CONNECTION_FORCED - closed by a test',
    });
    await waitUntilHealthy(worker);
  });

  it('requeues an order whose result the broker does not confirm in time, without spending a retry', async () => {
    const proxy = await brokerProxy(await amqpUrl());
    closers.push(() => proxy.close());
    const { names, publisher, results, worker } = await setUp({
      AMQP_URL: proxy.url,
      AMQP_CONFIRM_TIMEOUT_MS: '300',
      FULFILMENT_DELAY_MS: '500',
      MAX_RETRIES: '0', // spending a retry would dead-letter it
    });
    const order = orderCreated();
    await publisher.publish(order);
    await waitFor(
      'the order in flight',
      async () =>
        (await metric(worker, `queue_consumer_in_flight_messages{queue="${names.queue}"}`)) === 1,
    );
    // The broker takes the result but its confirm does not come back (nor anything else).
    proxy.hold();
    await waitFor('the order requeued', () =>
      worker.logs.some((line) => String(line.msg).startsWith('the broker did not confirm')),
    );
    proxy.release();
    await waitFor(
      'the order processed',
      async () => (await metric(worker, 'order_worker_orders_processed_total')) === 1,
    );
    expect(await queueDepth(`${names.queue}.dlq`)).toBe(0);
    expect(await metric(worker, 'order_worker_orders_retried_total')).toBe(0);
    expect(new Set(results.bodies().map((body) => body.orderId))).toEqual(new Set([order.orderId]));
  });

  it('on SIGTERM stops consuming, finishes and acks what it holds, and leaves the rest untouched', async () => {
    const { names, publisher, results, worker } = await setUp({
      FULFILMENT_DELAY_MS: '1000',
      PREFETCH: '4',
    });
    const orders = Array.from({ length: 10 }, () => orderCreated());
    for (const order of orders) await publisher.publish(order);
    await waitFor(
      'four orders in flight',
      async () =>
        (await metric(worker, 'queue_consumer_in_flight_messages{queue="' + names.queue + '"}')) ===
        4,
    );
    expect(await worker.stop('SIGTERM')).toBe(0);

    // The four in flight were finished and acked: their results were published exactly once...
    const processed = results.bodies().map((body) => body.orderId as string);
    expect(processed).toHaveLength(4);
    // ...and the six never delivered wait in the queue, none of them marked redelivered.
    const left = await drainQueue(names.queue, 6);
    expect(left).toHaveLength(6);
    expect(left.every((message) => !message.fields.redelivered)).toBe(true);
    const leftIds = left.map(
      (message) => (JSON.parse(message.content.toString()) as { orderId: string }).orderId,
    );
    expect(new Set([...processed, ...leftIds])).toEqual(
      new Set(orders.map((order) => order.orderId)),
    );
  });
});
