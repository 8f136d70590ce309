// The worker's side of the contracts, against real messages: order.created as the real
// order-service publishes it (its own process, its own database) must parse with the worker's
// copy of the schema, and the worker's real results must match the contract it owns.
import {
  createTestDatabase,
  runCommand,
  startOrderPipeline,
  waitFor,
  type OrderPipeline,
  type TestDatabase,
} from '@taller/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { orderCreatedV1 } from '../src/messages/orderCreated.js';
import { orderResultV1 } from '../src/messages/orderResult.js';
import { SERVICE_ENTRY, SERVICE_MIGRATE, WORKER_ENTRY } from './support/processes.js';

let database: TestDatabase;
let pipeline: OrderPipeline;

beforeAll(async () => {
  database = await createTestDatabase('worker_contract');
  const migrated = await runCommand(SERVICE_MIGRATE, [], { DATABASE_URL: database.url });
  if (migrated.code !== 0)
    throw new Error(`order-service migrate failed: ${JSON.stringify(migrated.lines.at(-1))}`);
  pipeline = await startOrderPipeline({
    serviceEntry: SERVICE_ENTRY,
    workerEntry: WORKER_ENTRY,
    databaseUrl: database.url,
  });
});

afterAll(async () => {
  await pipeline?.close();
  await database?.drop();
});

describe('message contracts', () => {
  it('reads the real order.created and publishes results the real order-service applies', async () => {
    onTestFailed(() => console.log(pipeline.service.tail(), pipeline.worker.tail()));
    const items = [
      { sku: 'CONTRACT-1', quantity: 3 },
      { sku: 'CONTRACT-2', quantity: 1 },
    ];
    const response = await fetch(`${pipeline.service.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'contract', items }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };

    await waitFor(
      'order.created and its result',
      () => pipeline.created.messages.length === 1 && pipeline.results.messages.length === 1,
    );
    const order = orderCreatedV1.parse(pipeline.created.bodies()[0]);
    expect(order).toMatchObject({ orderId: id, customerId: 'contract', items });
    const result = orderResultV1.parse(pipeline.results.bodies()[0]);
    expect(result).toMatchObject({ type: 'order.processed', orderId: id, itemCount: 4 });

    // order-service, with its own copy of the result schema, stored exactly what was published.
    const stored = await waitFor('the order processed in order-service', async () => {
      const current = (await (await fetch(`${pipeline.service.url}/orders/${id}`)).json()) as {
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
