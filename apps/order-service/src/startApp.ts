import { Health, type StartApp } from '@taller/health';
import { listenApp } from '@taller/health/fastify';
import { openConsumerConnection, QueueConsumer } from '@taller/messaging';
import { createPool, registerPoolMetrics } from '@taller/postgres';
import { buildInfo, createMetrics, type Logger, type Metrics } from '@taller/telemetry';
import { buildApp } from './app.js';
import { deadLetterQueueOf, declareTopology } from './broker/topology.js';
import type { Config } from './config.js';
import { dependencyChecks } from './dependencyChecks.js';
import { createServiceMetrics, registerOutboxLagMetrics, type ServiceMetrics } from './metrics.js';
import { OrderRepository } from './orders/orderRepository.js';
import { outboxLagReader } from './outbox/outboxLag.js';
import { OutboxRelay } from './outbox/outboxRelay.js';
import { createResultHandler } from './results/resultHandler.js';

/**
 * order-service from its settings: PostgreSQL pool, RabbitMQ connection (topology, results
 * consumer), outbox relay and HTTP app, listening and started. server.ts and the tests both run it.
 */
export const startApp: StartApp<Config> = async (config, { logger }) => {
  const pool = createPool(config, { applicationName: 'order-service', logger });
  const metrics = createMetrics({ build: buildInfo('order-service') });
  registerPoolMetrics(metrics.registry, pool);
  const serviceMetrics = createServiceMetrics(metrics.registry);
  registerOutboxLagMetrics(metrics.registry, outboxLagReader(pool, logger));
  const orders = new OrderRepository(pool, {
    maxBatch: config.DATABASE_WRITE_BATCH_MAX,
    maxConcurrentBatches: config.DATABASE_WRITE_CONCURRENCY,
    maxQueued: config.DATABASE_WRITE_QUEUE_MAX,
  });
  const consumer = resultsConsumer(config, { orders, logger, metrics, serviceMetrics });
  const broker = await openConsumerConnection({
    settings: config,
    name: 'order-service',
    logger,
    declare: (channel) =>
      declareTopology(channel, {
        exchange: config.ORDERS_EXCHANGE,
        resultsQueue: config.RESULTS_QUEUE,
        queueType: config.QUEUE_TYPE,
      }),
    consumer,
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
  const running = await listenApp(app, {
    settings: config,
    health,
    // Closed last one first: the consumer (finishes and acks in-flight results), the relay
    // (finishes its batches), the broker connection, the database pool.
    resources: [
      { name: 'postgres', close: () => pool.end() },
      { name: 'rabbitmq', close: () => broker.close() },
      { name: 'outbox relay', close: () => relay.stop() },
      { name: 'results consumer', close: () => consumer.stop() },
    ],
  });
  relay.start();
  health.markStarted();
  return running;
};

/** The consumer of order results, attached to each new broker connection. */
function resultsConsumer(
  config: Config,
  deps: {
    orders: OrderRepository;
    logger: Logger;
    metrics: Metrics;
    serviceMetrics: ServiceMetrics;
  },
): QueueConsumer {
  const consumer: QueueConsumer = new QueueConsumer({
    queue: config.RESULTS_QUEUE,
    prefetch: config.RESULTS_PREFETCH,
    logger: deps.logger,
    registry: deps.metrics.registry,
    handler: createResultHandler({
      orders: deps.orders,
      deadLetterQueue: deadLetterQueueOf(config.RESULTS_QUEUE),
      logger: deps.logger,
      metrics: deps.serviceMetrics,
      stopping: () => consumer.stopping,
    }),
  });
  return consumer;
}
