// The order-service process: settings, PostgreSQL pool, RabbitMQ connection (topology, results
// consumer, outbox relay), HTTP app, and an orderly shutdown on SIGTERM.
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { readConfigOrExit } from '@taller/config';
import { gracefulShutdown, Health, limitServer, urlOf } from '@taller/health';
import { BrokerConnection, QueueConsumer } from '@taller/messaging';
import { createPool, registerPoolMetrics } from '@taller/postgres';
import { buildInfo, createConsumerMetrics, createLogger, createMetrics } from '@taller/telemetry';
import { buildApp } from './app.js';
import { deadLetterQueueOf, declareTopology } from './broker/topology.js';
import { readConfig } from './config.js';
import { dependencyChecks } from './dependencyChecks.js';
import { createServiceMetrics } from './metrics.js';
import { OrderRepository } from './orders/orderRepository.js';
import { registerOutboxLagMetrics } from './outbox/outboxLag.js';
import { OutboxRelay } from './outbox/outboxRelay.js';
import { createResultHandler } from './results/resultHandler.js';

const logger = createLogger({ name: 'order-service' });
const config = readConfigOrExit(readConfig, logger);

const pool = createPool(config, { applicationName: 'order-service', logger });
const metrics = createMetrics({ build: buildInfo('order-service') });
registerPoolMetrics(metrics.registry, pool);
const serviceMetrics = createServiceMetrics(metrics.registry);
registerOutboxLagMetrics(metrics.registry, pool, logger);
const orders = new OrderRepository(pool, {
  maxBatch: config.DATABASE_WRITE_BATCH_MAX,
  maxConcurrentBatches: config.DATABASE_WRITE_CONCURRENCY,
  maxQueued: config.DATABASE_WRITE_QUEUE_MAX,
});

const consumer: QueueConsumer = new QueueConsumer({
  queue: config.RESULTS_QUEUE,
  prefetch: config.RESULTS_PREFETCH,
  logger,
  utilisation: createConsumerMetrics(metrics.registry).track(
    config.RESULTS_QUEUE,
    config.RESULTS_PREFETCH,
  ),
  handler: createResultHandler({
    orders,
    deadLetterQueue: deadLetterQueueOf(config.RESULTS_QUEUE),
    logger,
    metrics: serviceMetrics,
    stopping: () => consumer.stopping,
  }),
});

const topology = {
  exchange: config.ORDERS_EXCHANGE,
  resultsQueue: config.RESULTS_QUEUE,
  queueType: config.QUEUE_TYPE,
};
const broker = await BrokerConnection.open({
  url: config.AMQP_URL,
  name: `order-service@${hostname()}`,
  logger,
  initialDelayMs: config.AMQP_RECONNECT_INITIAL_DELAY_MS,
  maxDelayMs: config.AMQP_RECONNECT_MAX_DELAY_MS,
  setup: async ({ publisher, openChannel }) => {
    await declareTopology(publisher, topology);
    await consumer.attach(await openChannel());
  },
});

const relay = new OutboxRelay({
  pool,
  channel: () => broker.publisher,
  exchange: config.ORDERS_EXCHANGE,
  batchSize: config.OUTBOX_BATCH_SIZE,
  concurrency: config.OUTBOX_RELAY_CONCURRENCY,
  pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
  retentionSeconds: config.OUTBOX_RETENTION_SECONDS,
  logger,
  metrics: serviceMetrics,
});

const health = new Health({ checks: dependencyChecks(pool, broker) });

const app = await buildApp({
  logger,
  metrics,
  health,
  orders,
  ordersCreated: serviceMetrics.ordersCreated,
  onOrderCreated: () => relay.nudge(),
  bodyLimitBytes: config.JSON_BODY_LIMIT_BYTES,
});
limitServer(app.server, config);
await app.listen({ host: config.HOST, port: config.PORT });

gracefulShutdown({
  app: {
    server: app.server,
    url: urlOf(app.server),
    health,
    // Closed in reverse: consumer (finishes and acks in-flight results), relay (finishes its batch),
    // broker connection, database pool.
    resources: [
      { name: 'postgres', close: () => pool.end() },
      { name: 'rabbitmq', close: () => broker.close() },
      { name: 'outbox relay', close: () => relay.stop() },
      { name: 'results consumer', close: () => consumer.stop() },
    ],
  },
  logger,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});

relay.start();
health.markStarted();
logger.info({ port: (app.server.address() as AddressInfo).port }, 'listening');
