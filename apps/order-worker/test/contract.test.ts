// The worker's side of the contracts, against real messages: order.created as the real
// order-service publishes it (its own process, its own database) must parse with the worker's
// copy of the schema, and the worker's real results must match the contract it owns.
import {
  amqpUrl,
  createTestDatabase,
  deleteBrokerObjects,
  runCommand,
  startProcess,
  stopAll,
  tapExchange,
  waitFor,
  waitUntilHealthy,
  type AppProcess,
  type TestDatabase,
} from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { orderCreatedV1 } from '../src/messages/orderCreated.js';
import { orderResultV1 } from '../src/messages/orderResult.js';
import { brokerNames } from './support/broker.js';
import { SERVICE_ENTRY, SERVICE_MIGRATE, WORKER_ENTRY } from './support/processes.js';

const names = brokerNames();
let database: TestDatabase;
let service: AppProcess;
let worker: AppProcess;
let created: Awaited<ReturnType<typeof tapExchange>>;
let results: Awaited<ReturnType<typeof tapExchange>>;

beforeAll(async () => {
  database = await createTestDatabase('worker_contract');
  const migrated = await runCommand(SERVICE_MIGRATE, [], { DATABASE_URL: database.url });
  if (migrated.code !== 0)
    throw new Error(`order-service migrate failed: ${JSON.stringify(migrated.lines.at(-1))}`);
  created = await tapExchange(names.exchange, ['order.created']);
  results = await tapExchange(names.exchange, ['order.processed', 'order.failed']);
  const broker = { AMQP_URL: await amqpUrl(), ORDERS_EXCHANGE: names.exchange };
  [service, worker] = await Promise.all([
    startProcess('order-service', SERVICE_ENTRY, {
      ...broker,
      DATABASE_URL: database.url,
      RESULTS_QUEUE: `${names.prefix}.service-results`,
    }),
    startProcess('order-worker', WORKER_ENTRY, { ...broker, ORDERS_QUEUE: names.queue }),
  ]);
  await Promise.all([service, worker].map((app) => waitUntilHealthy(app)));
});

afterAll(async () => {
  await stopAll();
  await created?.close();
  await results?.close();
  await deleteBrokerObjects(names.prefix);
  await database?.drop();
});

describe('message contracts', () => {
  it('reads the real order.created and publishes results the real order-service applies', async () => {
    onTestFailed(() => console.log(service.tail(), worker.tail()));
    const items = [
      { sku: 'CONTRACT-1', quantity: 3 },
      { sku: 'CONTRACT-2', quantity: 1 },
    ];
    const response = await fetch(`${service.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'contract', items }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };

    await waitFor(
      'order.created and its result',
      () => created.messages.length === 1 && results.messages.length === 1,
    );
    const order = orderCreatedV1.parse(created.bodies()[0]);
    expect(order).toMatchObject({ orderId: id, customerId: 'contract', items });
    const result = orderResultV1.parse(results.bodies()[0]);
    expect(result).toMatchObject({ type: 'order.processed', orderId: id, itemCount: 4 });

    // order-service, with its own copy of the result schema, stored exactly what was published.
    const stored = await waitFor('the order processed in order-service', async () => {
      const current = (await (await fetch(`${service.url}/orders/${id}`)).json()) as {
        status: string;
        result: unknown;
      };
      return current.status === 'processed' && current;
    });
    if (result.type !== 'order.processed')
      throw new Error(`expected order.processed, got ${result.type}`);
    expect(stored.result).toEqual({ totals: result.totals, itemCount: 4 });
  });
});
