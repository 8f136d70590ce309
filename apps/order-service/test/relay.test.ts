// The outbox relay against real PostgreSQL and RabbitMQ: publish only what the broker
// confirmed, keep what it could not route, share the outbox between replicas, report lag.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerConnection } from '@taller/messaging';
import {
  amqpUrl,
  captureLines,
  deleteBrokerObjects,
  metricValue,
  tapExchange,
  waitFor,
} from '@taller/testing';
import { createLogger, type Logger } from '@taller/telemetry';
import type { ConfirmChannel } from 'amqplib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareTopology } from '../src/broker/topology.js';
import { orderCreatedV1 } from '../src/messages/orderCreated.js';
import { createServiceMetrics, registerOutboxLagMetrics } from '../src/metrics.js';
import { OrderRepository } from '../src/orders/orderRepository.js';
import { placeOrder } from '../src/orders/placeOrder.js';
import { outboxLagReader } from '../src/outbox/outboxLag.js';
import { OutboxRelay } from '../src/outbox/outboxRelay.js';
import { brokerNames, withholdConfirms } from './support/broker.js';
import { migratedDatabase, type MigratedDatabase } from './support/database.js';
import { orderBody } from './support/orders.js';

const logger = createLogger({ name: 'relay-test', level: 'silent' });
const names = brokerNames();
let db: MigratedDatabase;
const brokers: BrokerConnection[] = [];
const taps: { close(): Promise<void> }[] = [];

async function connectBroker() {
  const broker = await BrokerConnection.open({
    url: await amqpUrl(),
    name: 'relay-test',
    logger,
    initialDelayMs: 100,
    maxDelayMs: 1000,
    setup: ({ publisher }) =>
      declareTopology(publisher, {
        exchange: names.exchange,
        resultsQueue: names.resultsQueue,
        queueType: 'classic',
      }),
  });
  await broker.waitForConnect();
  brokers.push(broker);
  return broker;
}

function relayFor(
  broker: BrokerConnection,
  options: {
    channel?: () => ConfirmChannel | undefined;
    batchSize?: number;
    concurrency?: number;
    retentionSeconds?: number;
    confirmTimeoutMs?: number;
    exchange?: string;
    logger?: Logger;
  } = {},
) {
  const registry = new Registry();
  const metrics = createServiceMetrics(registry);
  const relay = new OutboxRelay({
    pool: db.pool,
    channel: options.channel ?? (() => broker.publisher),
    exchange: options.exchange ?? names.exchange,
    batchSize: options.batchSize ?? 100,
    concurrency: options.concurrency ?? 1,
    pollIntervalMs: 50,
    confirmTimeoutMs: options.confirmTimeoutMs ?? 10_000,
    retentionSeconds: options.retentionSeconds ?? 3600,
    logger: options.logger ?? logger,
    metrics,
  });
  return { relay, registry, metrics };
}

async function createOrders(count: number): Promise<string[]> {
  const orders = new OrderRepository(db.pool);
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1)
    ids.push((await placeOrder(orders, orderBody(n), undefined)).order.id);
  return ids;
}

/** A broker connection, the outbox relayed until empty, and a tap on what is published next. */
async function emptiedOutbox() {
  const broker = await connectBroker();
  await waitFor(
    'an empty outbox',
    async () => (await relayFor(broker).relay.relayBatch()) === 'empty',
  );
  const tap = await tapExchange(names.exchange, ['order.created']);
  taps.push(tap);
  return { broker, tap };
}

async function unsent(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL',
  );
  return rows[0]!.n;
}

beforeAll(async () => {
  db = await migratedDatabase();
});

afterAll(async () => {
  await Promise.all(taps.map((tap) => tap.close()));
  await Promise.all(brokers.map((broker) => broker.close()));
  await deleteBrokerObjects(names.prefix);
  await db?.close();
});

describe('outbox relay', () => {
  it('keeps messages no queue would receive, then publishes them persistent once one is bound', async () => {
    const broker = await connectBroker();
    const { relay, registry } = relayFor(broker);
    const ids = await createOrders(3);

    expect(await relay.relayBatch()).toBe('blocked');
    expect(await unsent()).toBe(3);
    expect(
      metricValue(
        await registry.metrics(),
        'order_service_outbox_publish_failures_total{reason="unroutable"}',
      ),
    ).toBe(3);

    const tap = await tapExchange(names.exchange, ['order.created']);
    taps.push(tap);
    expect(await relay.relayBatch()).toBe('partial');
    expect(await unsent()).toBe(0);
    await waitFor('3 published messages', () => tap.messages.length >= 3);
    for (const message of tap.messages) {
      const body = orderCreatedV1.parse(JSON.parse(message.content.toString()));
      expect(message.properties).toMatchObject({
        deliveryMode: 2,
        messageId: body.eventId,
        contentType: 'application/json',
        type: 'order.created',
      });
      expect(message.fields.routingKey).toBe('order.created');
    }
    expect(tap.bodies().map((body) => body.orderId)).toEqual(ids);
    expect(metricValue(await registry.metrics(), 'order_service_orders_published_total')).toBe(3);
  });

  it('shares the outbox between two replicas, two batches each, without publishing a row twice', async () => {
    const tap = await tapExchange(names.exchange, ['order.created']);
    taps.push(tap);
    const ids = new Set(await createOrders(300));
    const replicas = [
      relayFor(await connectBroker(), { batchSize: 20, concurrency: 2 }),
      relayFor(await connectBroker(), { batchSize: 20, concurrency: 2 }),
    ];
    for (const { relay } of replicas) relay.start();
    await waitFor('an empty outbox', async () => (await unsent()) === 0);
    await Promise.all(replicas.map(({ relay }) => relay.stop()));
    await waitFor('300 messages', () => tap.messages.length >= 300);

    const orderIds = tap.bodies().map((body) => body.orderId as string);
    expect(orderIds).toHaveLength(300);
    expect(new Set(orderIds)).toEqual(ids);
    const published = await Promise.all(
      replicas.map(async ({ registry }) =>
        metricValue(await registry.metrics(), 'order_service_orders_published_total'),
      ),
    );
    expect(published[0]! + published[1]!).toBe(300);
    expect(Math.min(...published)).toBeGreaterThan(0);
  });

  it('exports the outbox lag: unsent count and the age of the oldest', async () => {
    const registry = new Registry();
    registerOutboxLagMetrics(registry, outboxLagReader(db.pool, logger));
    await createOrders(2);
    await db.pool.query(
      `UPDATE outbox SET created_at = now() - interval '42 seconds' WHERE sent_at IS NULL`,
    );
    let text = await registry.metrics();
    expect(metricValue(text, 'order_service_outbox_pending_messages')).toBe(2);
    expect(
      metricValue(text, 'order_service_outbox_oldest_pending_age_seconds'),
    ).toBeGreaterThanOrEqual(42);

    const { relay } = relayFor(brokers[0]!);
    await relay.relayBatch();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the one-second reuse of a reading
    text = await registry.metrics();
    expect(metricValue(text, 'order_service_outbox_pending_messages')).toBe(0);
    expect(metricValue(text, 'order_service_outbox_oldest_pending_age_seconds')).toBe(0);
  });

  it('purges sent rows once past the retention', async () => {
    await createOrders(2);
    const { relay } = relayFor(brokers[0]!, { retentionSeconds: 0 });
    relay.start();
    await waitFor('an outbox with no rows at all', async () => {
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      return rows[0]!.n === 0;
    });
    await relay.stop();
  });

  it('marks nothing sent when the broker closes the channel under a batch, and recovers', async () => {
    const broker = await connectBroker();
    await createOrders(5);
    const channel = broker.publisher!;
    const { relay } = relayFor(broker);
    // The broker closes the channel (checking a missing exchange is a channel error) while the
    // batch reads its rows and publishes.
    const closing = channel.checkExchange(`missing-${randomUUID()}`).catch(() => undefined);
    expect(await relay.relayBatch()).toBe('blocked');
    await closing;
    expect(await unsent()).toBe(5);
    // The connection recovers by itself and the rows go out.
    await waitFor(
      'a new channel',
      () => broker.publisher !== undefined && broker.publisher !== channel,
    );
    await waitFor(
      'an empty outbox',
      async () => (await relay.relayBatch()) !== 'blocked' && (await unsent()) === 0,
    );
  });

  it('logs a broker that refuses outbox messages once when it starts and once when it ends', async () => {
    const broker = await connectBroker();
    const exchange = `${names.prefix}.unbound`;
    await broker.publisher!.assertExchange(exchange, 'topic', { durable: true });
    const { destination, lines } = captureLines();
    const { relay, registry } = relayFor(broker, {
      exchange,
      logger: createLogger({ name: 'relay-test', destination }),
    });
    const refused = () =>
      lines.filter(
        (line) =>
          line.msg === 'the broker did not take some outbox messages; they stay in the outbox',
      );
    const accepted = () =>
      lines.filter((line) => line.msg === 'the broker takes outbox messages again');
    await createOrders(2);
    relay.start();
    // No queue is bound (no worker has declared its queue yet): every poll is refused again.
    await waitFor(
      'three refused polls',
      async () =>
        metricValue(
          await registry.metrics(),
          'order_service_outbox_publish_failures_total{reason="unroutable"}',
        ) >= 6,
    );
    expect(refused()).toHaveLength(1);
    expect(refused()[0]).toMatchObject({ level: 'warn', failed: 2, sent: 0 });
    expect(accepted()).toHaveLength(0);

    const tap = await tapExchange(exchange, ['order.created']);
    taps.push({ close: () => tap.close().catch(() => undefined) }); // closed below, unless it fails first
    await waitFor('the end of the episode', () => accepted().length === 1);
    expect(await unsent()).toBe(0);
    expect(accepted()[0]).toMatchObject({
      level: 'info',
      failedPublishes: expect.any(Number) as number,
    });
    expect(accepted()[0]!.failedPublishes).toBeGreaterThanOrEqual(6);

    // A second episode is logged again, once.
    await tap.close();
    await createOrders(1);
    await waitFor('the second episode', () => refused().length === 2);
    await relay.stop();
    expect(refused()).toHaveLength(2);
  });
});

describe('outbox relay and a crash', () => {
  it('marks each row sent as its confirm arrives: a crash repeats only the rows still unconfirmed', async () => {
    const { broker, tap } = await emptiedOutbox();
    const ids = await createOrders(10);

    // The broker takes all ten, but the confirms of the last three never arrive.
    let published = 0;
    const held = withholdConfirms(broker.publisher!, () => (published += 1) > 7);
    const { relay } = relayFor(broker, { channel: () => held, confirmTimeoutMs: 3000 });
    const batch = relay.relayBatch();
    await waitFor('the seven confirmed rows marked sent', async () => (await unsent()) === 3, {
      timeoutMs: 2000,
    });
    // The process dies: the session holding its claim ends with its connection.
    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
       WHERE locktype = 'advisory'
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    // The next relay (a restarted replica) publishes again only the three, once the server has
    // ended the dead process's session.
    const { relay: restarted } = relayFor(await connectBroker());
    await waitFor(
      'the three published again',
      async () => (await restarted.relayBatch()) === 'partial',
    );
    expect(await unsent()).toBe(0);
    await waitFor('13 messages', () => tap.messages.length >= 13);
    const orderIds = tap.bodies().map((body) => body.orderId as string);
    expect(orderIds).toHaveLength(13);
    expect(orderIds.slice(10)).toEqual(ids.slice(7));
    await expect(batch).rejects.toThrow();
  });
});

describe('outbox relay and a broker that does not confirm', () => {
  it('gives up on confirms in time, keeps the rows, stops promptly, and publishes them once confirms come back', async () => {
    const broker = await connectBroker();
    const tap = await tapExchange(names.exchange, ['order.created']);
    taps.push(tap);
    let confirming = true;
    const channel = () => broker.publisher && withholdConfirms(broker.publisher, () => !confirming);
    const { relay, registry } = relayFor(broker, { channel, confirmTimeoutMs: 500 });
    await waitFor('an empty outbox', async () => (await relay.relayBatch()) === 'empty');
    const ids = await createOrders(5);

    // A broker blocked by an alarm sends no confirm.
    confirming = false;
    try {
      const started = performance.now();
      expect(await relay.relayBatch()).toBe('blocked');
      expect(performance.now() - started).toBeLessThan(2500);
      expect(await unsent()).toBe(5);
      expect(
        metricValue(
          await registry.metrics(),
          'order_service_outbox_publish_failures_total{reason="confirm_timeout"}',
        ),
      ).toBe(5);
      // Nothing holds a connection or a lock: the pool is free and a shutdown is prompt.
      relay.start();
      await sleep(200);
      const stopping = performance.now();
      await relay.stop();
      expect(performance.now() - stopping).toBeLessThan(2500);
      expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
    } finally {
      confirming = true;
    }

    await waitFor('an empty outbox', async () => {
      await relay.relayBatch();
      return (await unsent()) === 0;
    });
    await waitFor('every order published', () => {
      const published = new Set(tap.bodies().map((body) => body.orderId));
      return ids.every((id) => published.has(id));
    });
  });
});

describe('outbox relay that stalls holding its claim', () => {
  it('loses the claim when the server ends its idle session: another relay publishes the rows', async () => {
    const { broker, tap } = await emptiedOutbox();
    const ids = await createOrders(4);
    const held = withholdConfirms(broker.publisher!, () => true);
    const { relay } = relayFor(broker, { channel: () => held, confirmTimeoutMs: 200 });
    const batch = relay.relayBatch();
    await waitFor('the rows claimed', async () => (await advisoryLocks()) === 4, {
      timeoutMs: 2000,
    });

    // The process stalls (a long pause, a throttled CPU): none of its timers can fire, so its own
    // confirm timeout cannot end the wait. The server ends the idle session 5.2 s in.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6000);

    await expect(batch).rejects.toMatchObject({ code: '57P05' }); // idle_session_timeout
    expect(await advisoryLocks()).toBe(0);
    const { relay: other } = relayFor(broker);
    expect(await other.relayBatch()).toBe('partial');
    expect(await unsent()).toBe(0);
    // At least once: the broker took the stalled relay's four (only their confirms were held).
    await waitFor('the four published twice', () => tap.messages.length >= 8);
    expect(tap.bodies().map((body) => body.orderId)).toEqual([...ids, ...ids]);
  }, 20_000);
});

async function advisoryLocks(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
     WHERE locktype = 'advisory' AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows[0]!.n;
}
