// The order-worker process: settings, RabbitMQ connection (topology and the orders consumer),
// a small HTTP server for probes and metrics, and an orderly shutdown on SIGTERM.
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { readConfigOrExit } from '@taller/config';
import { gracefulShutdown, Health, limitServer, urlOf } from '@taller/health';
import { BrokerConnection, QueueConsumer } from '@taller/messaging';
import { buildInfo, createConsumerMetrics, createLogger, createMetrics } from '@taller/telemetry';
import { buildApp } from './app.js';
import { declareTopology, retryDelays } from './broker/topology.js';
import { readConfig } from './config.js';
import { createWorkerMetrics } from './metrics.js';
import { createOrderHandler } from './orders/orderHandler.js';

const logger = createLogger({ name: 'order-worker' });
const config = readConfigOrExit(readConfig, logger);

const metrics = createMetrics({ build: buildInfo('order-worker') });
const topology = {
  exchange: config.ORDERS_EXCHANGE,
  queue: config.ORDERS_QUEUE,
  queueType: config.QUEUE_TYPE,
  retryDelaysMs: retryDelays(config.MAX_RETRIES, config.RETRY_BASE_DELAY_MS),
};

const consumer = new QueueConsumer({
  queue: config.ORDERS_QUEUE,
  prefetch: config.PREFETCH,
  logger,
  utilisation: createConsumerMetrics(metrics.registry).track(config.ORDERS_QUEUE, config.PREFETCH),
  handler: createOrderHandler({
    exchange: topology.exchange,
    queue: topology.queue,
    retryDelaysMs: topology.retryDelaysMs,
    fulfilment: {
      delayMs: config.FULFILMENT_DELAY_MS,
      failureRate: config.FULFILMENT_FAILURE_RATE,
      failingAttempts: config.FULFILMENT_FAILING_ATTEMPTS,
    },
    creditLimitCents: config.CREDIT_LIMIT_CENTS,
    confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
    logger,
    metrics: createWorkerMetrics(metrics.registry),
  }),
});

const broker = await BrokerConnection.open({
  url: config.AMQP_URL,
  name: `order-worker@${hostname()}`,
  logger,
  initialDelayMs: config.AMQP_RECONNECT_INITIAL_DELAY_MS,
  maxDelayMs: config.AMQP_RECONNECT_MAX_DELAY_MS,
  setup: async ({ publisher, openChannel }) => {
    await declareTopology(publisher, topology);
    await consumer.attach(await openChannel());
  },
});

const health = new Health({
  checks: [
    {
      name: 'broker',
      check: async () => {
        if (!broker.connected) throw new Error('not connected to RabbitMQ');
      },
    },
  ],
});

const app = await buildApp({ logger, metrics, health });
limitServer(app.server, config);
await app.listen({ host: config.HOST, port: config.PORT });

gracefulShutdown({
  app: {
    server: app.server,
    url: urlOf(app.server),
    health,
    // Closed in reverse: the consumer first (cancel, finish and ack what was delivered), then the
    // connection, so a clean shutdown leaves nothing for the broker to redeliver.
    resources: [
      { name: 'rabbitmq', close: () => broker.close() },
      { name: 'orders consumer', close: () => consumer.stop() },
    ],
  },
  logger,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});

health.markStarted();
logger.info({ port: (app.server.address() as AddressInfo).port }, 'listening');
