// Failure on real processes. After each fault: every order accepted with a 202 ends processed,
// exactly once in effect (no conflicting results, no extra orders), nothing in a dead-letter
// queue, and the outbox drained.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  amqpUrl,
  deleteBrokerObjects,
  metricValue,
  postgresUrl,
  rabbitmqctl,
  startProcess,
  stopAll,
  waitFor,
  waitUntilHealthy,
  type AppProcess,
} from '@taller/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { deadLetterQueueOf } from '../src/broker/topology.js';
import { brokerNames } from './support/broker.js';
import { migratedDatabase, type MigratedDatabase } from './support/database.js';
import { progress, submitOrders } from './support/orders.js';
import { SERVICE_ENTRY, WORKER_ENTRY } from './support/processes.js';

const names = brokerNames();
let db: MigratedDatabase;
let service: AppProcess;
let worker: AppProcess;
let workerEnv: Record<string, string>;
let brokerStopped = false;

async function restoreBroker() {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup', '--timeout', '120');
  brokerStopped = false;
}

beforeAll(async () => {
  db = await migratedDatabase();
  const broker = {
    AMQP_URL: await amqpUrl(),
    ORDERS_EXCHANGE: names.exchange,
    AMQP_RECONNECT_MAX_DELAY_MS: '2000',
  };
  workerEnv = {
    ...broker,
    ORDERS_QUEUE: names.workerQueue,
    FULFILMENT_DELAY_MS: '30',
    PREFETCH: '10',
  };
  [service, worker] = await Promise.all([
    startProcess('order-service', SERVICE_ENTRY, {
      ...broker,
      DATABASE_URL: db.database.url,
      RESULTS_QUEUE: names.resultsQueue,
      OUTBOX_POLL_INTERVAL_MS: '250',
    }),
    startProcess('order-worker', WORKER_ENTRY, workerEnv),
  ]);
  await Promise.all([service, worker].map((app) => waitUntilHealthy(app)));
});

afterAll(async () => {
  // The broker is restored even when a test failed half-way through an outage.
  if (brokerStopped) await restoreBroker();
  await stopAll();
  await deleteBrokerObjects(names.prefix);
  await db?.close();
});

function showLogsOnFailure() {
  onTestFailed(() =>
    console.log(`--- order-service\n${service.tail()}\n--- order-worker\n${worker.tail()}`),
  );
}

/** Every accepted order of the submission processed exactly once in effect; nothing left behind. */
async function expectAllProcessed(keyPrefix: string, count: number) {
  const final = await waitFor(
    `all ${count} "${keyPrefix}" orders processed and the outbox empty`,
    async () => {
      const current = await progress(db.pool, keyPrefix);
      return current.processed === count && current.unsent === 0 && current;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  expect(final.total).toBe(count);
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  expect(metricValue(metrics, 'order_service_results_total{outcome="conflict"}')).toBe(0);
  expect(metrics).not.toMatch(/^order_service_messages_dead_lettered_total/m);
  const connection = await amqp.connect(await amqpUrl());
  try {
    const channel = await connection.createChannel();
    for (const queue of [`${names.workerQueue}.dlq`, deadLetterQueueOf(names.resultsQueue)]) {
      expect((await channel.checkQueue(queue)).messageCount, queue).toBe(0);
    }
  } finally {
    await connection.close();
  }
}

describe('chaos', { timeout: 120_000 }, () => {
  it('(a) loses nothing when the worker is killed with SIGKILL mid-batch', async () => {
    showLogsOnFailure();
    const submission = submitOrders(service.url, { count: 200, keyPrefix: 'kill', concurrency: 8 });
    await waitFor(
      'the worker half-way',
      async () => (await progress(db.pool, 'kill')).processed >= 30,
    );
    expect(await worker.stop('SIGKILL')).toBe('SIGKILL');
    expect((await progress(db.pool, 'kill')).processed).toBeLessThan(200);
    worker = await startProcess('order-worker', WORKER_ENTRY, workerEnv);
    await waitUntilHealthy(worker);
    await submission.done;
    expect(submission.accepted.size).toBe(200);
    await expectAllProcessed('kill', 200);
  });

  it('(b) loses nothing when RabbitMQ stops and starts while orders are being created', async () => {
    showLogsOnFailure();
    // Orders keep coming until the broker is back, so some are accepted during the outage.
    let outage = true;
    const submission = submitOrders(service.url, {
      count: 100,
      keyPrefix: 'broker',
      concurrency: 4,
      pauseMs: 10,
      keepGoing: () => outage,
    });
    await waitFor('orders flowing', () => submission.accepted.size >= 50);
    try {
      brokerStopped = true;
      await rabbitmqctl('stop_app');
      // The outbox keeps accepting orders while the broker is away; readiness degrades, not fails.
      const acceptedAtStop = submission.accepted.size;
      await waitFor(
        'orders accepted during the outage',
        () => submission.accepted.size >= acceptedAtStop + 20,
        {
          timeoutMs: 10_000,
        },
      );
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(
        ((await ready.json()) as { checks: { broker: { status: string } } }).checks.broker.status,
      ).toBe('fail');
    } finally {
      await restoreBroker();
      outage = false;
    }
    await submission.done;
    expect(submission.accepted.size).toBeGreaterThanOrEqual(100);
    await expectAllProcessed('broker', submission.accepted.size);
  });

  it('(c) loses nothing when PostgreSQL connections are dropped during load', async () => {
    showLogsOnFailure();
    const admin = new pg.Client({ connectionString: await postgresUrl() });
    await admin.connect();
    try {
      const submission = submitOrders(service.url, {
        count: 300,
        keyPrefix: 'pg',
        concurrency: 4,
        pauseMs: 20,
      });
      await waitFor('orders flowing', () => submission.accepted.size >= 30);
      let terminated = 0;
      for (let round = 0; round < 6; round += 1) {
        // Only this test's database: nobody else's connections are touched.
        const { rowCount } = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [db.database.name],
        );
        terminated += rowCount ?? 0;
        await sleep(300);
      }
      expect(terminated).toBeGreaterThan(0);
      await submission.done;
      expect(submission.accepted.size).toBe(300);
      await expectAllProcessed('pg', 300);
    } finally {
      await admin.end();
    }
  });
});
