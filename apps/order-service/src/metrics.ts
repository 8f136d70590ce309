import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OutboxLag } from './outbox/outboxLag.js';

/** order-service's domain metrics, beside the RED and process metrics of @taller/telemetry. */
export function createServiceMetrics(registry: Registry) {
  const registers = [registry];
  return {
    ordersCreated: new Counter({
      name: 'order_service_orders_created_total',
      help: 'Orders accepted by POST /orders (idempotent replays not counted).',
      registers,
    }),
    ordersPublished: new Counter({
      name: 'order_service_orders_published_total',
      help: 'order.created messages confirmed by the broker and marked sent in the outbox.',
      registers,
    }),
    outboxPublishFailures: new Counter({
      name: 'order_service_outbox_publish_failures_total',
      help: 'Outbox messages the broker did not take (kept for the next attempt), by reason.',
      labelNames: ['reason'],
      registers,
    }),
    ordersProcessed: new Counter({
      name: 'order_service_orders_processed_total',
      help: 'Orders moved to processed by an order.processed event.',
      registers,
    }),
    ordersFailed: new Counter({
      name: 'order_service_orders_failed_total',
      help: 'Orders moved to failed by an order.failed event.',
      registers,
    }),
    results: new Counter({
      name: 'order_service_results_total',
      help: 'Result events consumed, by outcome: applied, duplicate, conflict (a different result for a final order; ignored) or unknown_order.',
      labelNames: ['outcome'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'order_service_messages_dead_lettered_total',
      help: 'Result messages moved to the dead-letter queue, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    endToEnd: new Histogram({
      name: 'order_service_end_to_end_duration_seconds',
      help: 'From an order being accepted to its final status being stored (outbox, broker, worker and back).',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;

/** The outbox lag gauges, read from the database at scrape time (see outboxLagReader). */
export function registerOutboxLagMetrics(registry: Registry, read: () => Promise<OutboxLag>): void {
  new Gauge({
    name: 'order_service_outbox_pending_messages',
    help: 'Outbox messages not yet confirmed by the broker.',
    registers: [registry],
    async collect() {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'order_service_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox message not yet confirmed by the broker (0 when none).',
    registers: [registry],
    async collect() {
      this.set((await read()).oldestAgeSeconds);
    },
  });
}
