import { Counter, Histogram, type Registry } from 'prom-client';

/** order-worker's domain metrics, beside the process metrics of @taller/telemetry. */
export function createWorkerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    processed: new Counter({
      name: 'order_worker_orders_processed_total',
      help: 'Orders processed and published as order.processed (confirmed by the broker).',
      registers,
    }),
    failed: new Counter({
      name: 'order_worker_orders_failed_total',
      help: 'Orders rejected by business rules and published as order.failed (confirmed by the broker).',
      registers,
    }),
    retried: new Counter({
      name: 'order_worker_orders_retried_total',
      help: 'Transient failures sent to a retry queue.',
      registers,
    }),
    deadLettered: new Counter({
      name: 'order_worker_messages_dead_lettered_total',
      help: 'Messages moved to the dead-letter queue, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    duration: new Histogram({
      name: 'order_worker_processing_duration_seconds',
      help: 'From delivery to settling the message (fulfilment, publish and confirm included), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
