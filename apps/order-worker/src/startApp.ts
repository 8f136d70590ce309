import { Health, type StartApp } from '@taller/health';
import { fastifyApp, listenApp } from '@taller/health/fastify';
import { openConsumerConnection, QueueConsumer } from '@taller/messaging';
import { buildInfo, createMetrics, type Logger, type Metrics } from '@taller/telemetry';
import { declareTopology, retryDelays, type WorkerTopology } from './broker/topology.js';
import type { Config } from './config.js';
import { dependencyChecks } from './dependencyChecks.js';
import { createWorkerMetrics } from './metrics.js';
import { createOrderHandler } from './orders/orderHandler.js';

/**
 * order-worker from its settings: RabbitMQ connection (topology and the orders consumer) and the
 * HTTP side for probes and metrics, listening and started. server.ts and the tests both run it.
 */
export const startApp: StartApp<Config> = async (config, { logger }) => {
  const metrics = createMetrics({ build: buildInfo('order-worker') });
  const topology = {
    exchange: config.ORDERS_EXCHANGE,
    queue: config.ORDERS_QUEUE,
    queueType: config.QUEUE_TYPE,
    retryDelaysMs: retryDelays(config.MAX_RETRIES, config.RETRY_BASE_DELAY_MS),
  };
  const consumer = ordersConsumer(config, topology, logger, metrics);
  const broker = await openConsumerConnection({
    settings: config,
    name: 'order-worker',
    logger,
    declare: (channel) => declareTopology(channel, topology),
    consumer,
  });

  const health = new Health({ checks: dependencyChecks(broker) });
  // Its HTTP side is the skeleton alone: probes and metrics.
  const app = await fastifyApp({ logger, metrics, health });
  const running = await listenApp(app, {
    settings: config,
    health,
    // Closed last one first: the consumer (cancel, finish and ack what was delivered), then the
    // connection, so a clean shutdown leaves nothing for the broker to redeliver.
    resources: [
      { name: 'rabbitmq', close: () => broker.close() },
      { name: 'orders consumer', close: () => consumer.stop() },
    ],
  });
  health.markStarted();
  return running;
};

/** The consumer of order.created, attached to each new broker connection. */
function ordersConsumer(
  config: Config,
  topology: WorkerTopology,
  logger: Logger,
  metrics: Metrics,
): QueueConsumer {
  return new QueueConsumer({
    queue: config.ORDERS_QUEUE,
    prefetch: config.PREFETCH,
    logger,
    registry: metrics.registry,
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
}
