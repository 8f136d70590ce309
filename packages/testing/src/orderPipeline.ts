import { deleteBrokerObjects, tapExchange } from './broker.js';
import { uniqueName } from './names.js';
import { startProcess, waitUntilHealthy, type AppProcess } from './processes.js';
import { amqpUrl } from './services.js';

export type ExchangeTap = Awaited<ReturnType<typeof tapExchange>>;

export interface OrderPipeline {
  service: AppProcess;
  worker: AppProcess;
  /** Every order.created the service publishes. */
  created: ExchangeTap;
  /** Every order.processed and order.failed the worker publishes. */
  results: ExchangeTap;
  /** The prefix of every exchange and queue of this pipeline. */
  prefix: string;
  /** Stops both processes, the taps, and deletes the pipeline's exchange and queues. */
  close(): Promise<void>;
}

export interface OrderPipelineOptions {
  /** The entry points of order-service and order-worker (tests pass their own app's paths). */
  serviceEntry: string;
  workerEntry: string;
  /** A database with order-service's migrations applied. */
  databaseUrl: string;
}

/**
 * order-service and order-worker as real processes on exchanges and queues of their own,
 * healthy, with taps on what each publishes: the pipeline both apps' end-to-end tests run.
 */
export async function startOrderPipeline({
  serviceEntry,
  workerEntry,
  databaseUrl,
}: OrderPipelineOptions): Promise<OrderPipeline> {
  const prefix = uniqueName('orderpipeline');
  const exchange = `${prefix}.orders`;
  const created = await tapExchange(exchange, ['order.created']);
  const results = await tapExchange(exchange, ['order.processed', 'order.failed']);
  const broker = { AMQP_URL: await amqpUrl(), ORDERS_EXCHANGE: exchange };
  const [service, worker] = await Promise.all([
    startProcess('order-service', serviceEntry, {
      ...broker,
      DATABASE_URL: databaseUrl,
      RESULTS_QUEUE: `${prefix}.service-results`,
    }),
    startProcess('order-worker', workerEntry, {
      ...broker,
      ORDERS_QUEUE: `${prefix}.worker-orders`,
    }),
  ]);
  await Promise.all([service, worker].map((app) => waitUntilHealthy(app)));
  return {
    service,
    worker,
    created,
    results,
    prefix,
    async close() {
      await Promise.all([service.stop('SIGKILL'), worker.stop('SIGKILL')]);
      await created.close();
      await results.close();
      await deleteBrokerObjects(prefix);
    },
  };
}
