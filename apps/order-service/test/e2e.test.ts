// The whole pipeline on real processes: order-service and order-worker, PostgreSQL, RabbitMQ.
import {
  amqpUrl,
  deleteBrokerObjects,
  metricValue,
  startProcess,
  stopAll,
  tapExchange,
  waitFor,
  waitUntilHealthy,
  type AppProcess,
} from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { orderCreatedV1 } from '../src/messages/orderCreated.js';
import { orderResultV1 } from '../src/messages/orderResult.js';
import { brokerNames } from './support/broker.js';
import { migratedDatabase, type MigratedDatabase } from './support/database.js';
import { orderBody, postOrder } from './support/orders.js';
import { SERVICE_ENTRY, WORKER_ENTRY } from './support/processes.js';

const names = brokerNames();
let db: MigratedDatabase;
let service: AppProcess;
let worker: AppProcess;
let created: Awaited<ReturnType<typeof tapExchange>>;
let results: Awaited<ReturnType<typeof tapExchange>>;

beforeAll(async () => {
  db = await migratedDatabase();
  created = await tapExchange(names.exchange, ['order.created']);
  results = await tapExchange(names.exchange, ['order.processed', 'order.failed']);
  const broker = { AMQP_URL: await amqpUrl(), ORDERS_EXCHANGE: names.exchange };
  [service, worker] = await Promise.all([
    startProcess('order-service', SERVICE_ENTRY, {
      ...broker,
      DATABASE_URL: db.database.url,
      RESULTS_QUEUE: names.resultsQueue,
    }),
    startProcess('order-worker', WORKER_ENTRY, { ...broker, ORDERS_QUEUE: names.workerQueue }),
  ]);
  await Promise.all([service, worker].map((app) => waitUntilHealthy(app)));
});

afterAll(async () => {
  await stopAll();
  await created?.close();
  await results?.close();
  await deleteBrokerObjects(names.prefix);
  await db?.close();
});

async function fetchOrder(id: string) {
  const response = await fetch(`${service.url}/orders/${id}`);
  return (await response.json()) as {
    status: string;
    result: { totals?: unknown; itemCount?: number; reason?: unknown } | null;
  };
}

describe('end to end', () => {
  it('accepts an order and shows it processed through GET within a bounded time', async () => {
    onTestFailed(() => console.log(service.tail(), worker.tail()));
    const started = Date.now();
    const { status, body } = await postOrder(service.url, orderBody(1), 'e2e-happy');
    expect(status).toBe(202);
    const order = await waitFor(
      'the order processed',
      async () => {
        const current = await fetchOrder(body.id as string);
        return current.status === 'processed' && current;
      },
      { timeoutMs: 15_000, intervalMs: 25 },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(order.result?.totals).toMatchObject({
      currency: 'EUR',
      totalCents: expect.any(Number) as number,
    });
    expect(order.result?.itemCount).toBe(4); // orderBody(1): 2 + 2

    const serviceMetrics = await (await fetch(`${service.url}/metrics`)).text();
    for (const series of [
      'order_service_orders_created_total',
      'order_service_orders_published_total',
      'order_service_orders_processed_total',
    ]) {
      expect(metricValue(serviceMetrics, series)).toBe(1);
    }
    const workerMetrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metricValue(workerMetrics, 'order_worker_orders_processed_total')).toBe(1);
    expect(workerMetrics).toMatch(
      /^order_worker_processing_duration_seconds_count\{outcome="processed"\} 1$/m,
    );
    expect(workerMetrics).toMatch(/^queue_consumer_utilisation\{queue=".+"\} /m);
    expect(serviceMetrics).toMatch(/^order_service_end_to_end_duration_seconds_count 1$/m);
  });

  it('ends an order over the credit limit as failed, with the reason', async () => {
    const { body } = await postOrder(service.url, {
      customerId: 'big-spender',
      items: [{ sku: 'GOLD', quantity: 1000 }],
    });
    const order = await waitFor('the order failed', async () => {
      const current = await fetchOrder(body.id as string);
      return current.status === 'failed' && current;
    });
    expect(order.result?.reason).toMatchObject({
      code: 'credit_limit_exceeded',
      message: expect.any(String) as string,
    });
  });

  it('publishes order.created that matches its own contract, and reads the worker’s real results', async () => {
    await waitFor(
      'two order.created and two results',
      () => created.messages.length >= 2 && results.messages.length >= 2,
    );
    for (const body of created.bodies())
      expect(orderCreatedV1.safeParse(body).error).toBeUndefined();
    for (const body of results.bodies())
      expect(orderResultV1.safeParse(body).error).toBeUndefined();
    expect(
      results
        .bodies()
        .map((body) => body.type)
        .sort(),
    ).toEqual(['order.failed', 'order.processed']);
  });

  it('reports ready with both dependencies and shuts down cleanly on SIGTERM', async () => {
    const ready = (await (await fetch(`${service.url}/readyz`)).json()) as {
      checks: Record<string, { status: string }>;
    };
    expect(ready.checks).toMatchObject({ database: { status: 'ok' }, broker: { status: 'ok' } });
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(service.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });
});
