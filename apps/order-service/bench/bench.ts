// order-service + order-worker benchmark, on real processes against local PostgreSQL and
// RabbitMQ. In one run: the raw baseline (amqplib publishing persistent 200-byte messages with
// confirms to a durable queue), accepted orders/s on POST /orders, and with 1 and 3 workers the
// sustained end-to-end rate (accepted -> processed) and the end-to-end p50/p99 at half of it.
// Prints the ratios against the targets. Bounded: about a minute and a half.
//
//   eval "$(bash scripts/services.sh)" && npm run bench -w apps/order-service
import { setTimeout as sleep } from 'node:timers/promises';
import { runMigrations } from '@taller/postgres';
import {
  amqpUrl,
  createTestDatabase,
  deleteBrokerObjects,
  startProcess,
  stopAll,
  uniqueName,
  waitUntilHealthy,
  type AppProcess,
  type TestDatabase,
} from '@taller/testing';
import { createLogger } from '@taller/telemetry';
import amqp from 'amqplib';
import autocannon from 'autocannon';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../src/db/migrationsDir.js';
import { orderBody } from '../test/support/orders.js';
import { SERVICE_ENTRY, WORKER_ENTRY } from '../test/support/processes.js';

const settings = {
  rawMessages: 20_000,
  rawWindow: 1000, // unconfirmed messages in flight
  acceptedSeconds: 8,
  connections: 64,
  fulfilmentDelayMs: 20,
  // Scaling runs keep each worker bound by its own 20 ms orders; the capacity run lets three
  // workers take as many orders at once as the pipeline can feed them.
  prefetch: Number(process.env.BENCH_PREFETCH ?? 10),
  capacityPrefetch: Number(process.env.BENCH_CAPACITY_PREFETCH ?? 50),
  backlogPerWorker: 2500,
  latencySeconds: 8,
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
};

const targets = { acceptedVsRaw: 0.2, endToEndVsRaw: 0.1, p99Ms: 250, scaling: 2.5 };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

/** amqplib publishing persistent 200-byte messages with confirms to a durable queue. */
async function rawPublishRate(url: string, queue: string): Promise<number> {
  const connection = await amqp.connect(url, { noDelay: true }); // as the apps connect
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    const body = Buffer.alloc(200, 'x');
    let outstanding = 0;
    let wake: (() => void) | undefined;
    const started = performance.now();
    for (let i = 0; i < settings.rawMessages; i += 1) {
      while (outstanding >= settings.rawWindow)
        await new Promise<void>((resolve) => (wake = resolve));
      outstanding += 1;
      channel.sendToQueue(queue, body, { persistent: true }, () => {
        outstanding -= 1;
        wake?.();
      });
    }
    await channel.waitForConfirms();
    const rate = settings.rawMessages / ((performance.now() - started) / 1000);
    await channel.deleteQueue(queue);
    return rate;
  } finally {
    await connection.close();
  }
}

/** Open loop: POSTs at a fixed rate whatever the answers take; send time per order id. */
async function submitAtRate(
  url: string,
  perSecond: number,
  seconds: number,
): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const pending: Promise<void>[] = [];
  const started = Date.now();
  let issued = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond);
    for (; issued < due; issued += 1) {
      const at = Date.now();
      const n = issued;
      pending.push(postOrder(url, n).then((id) => void sent.set(id, at)));
    }
    await sleep(5);
  }
  await Promise.all(pending);
  return sent;
}

async function postOrder(url: string, n: number): Promise<string> {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(orderBody(n)),
  });
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

/** When each order became processed (its final status stored, visible to GET), in ms. */
async function processedTimes(
  pool: pg.Pool,
  ids: string[],
  timeoutMs = 120_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ done: number }>(
      `SELECT count(*)::int AS done FROM orders WHERE id = ANY($1::uuid[]) AND status <> 'pending'`,
      [ids],
    );
    if (rows[0]!.done === ids.length) break;
    if (Date.now() > deadline)
      throw new Error(`only ${rows[0]!.done} of ${ids.length} orders processed in time`);
    await sleep(200);
  }
  const { rows } = await pool.query<{ id: string; at: number }>(
    `SELECT id, (EXTRACT(EPOCH FROM updated_at) * 1000)::float8 AS at FROM orders WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.map((row) => row.at);
}

/**
 * Sustained rate: a backlog of `count` orders POSTed as fast as the API takes them, then the
 * orders processed per second between the 10th and 90th percentile of their completion times.
 */
async function sustainedRate(pool: pg.Pool, url: string, count: number): Promise<number> {
  const { rows } = await pool.query<{ seq: string }>(
    'SELECT COALESCE(max(seq), 0)::text AS seq FROM orders',
  );
  await postMany(url, { amount: count });
  const ids = await pool.query<{ id: string }>('SELECT id FROM orders WHERE seq > $1', [
    rows[0]!.seq,
  ]);
  const times = (
    await processedTimes(
      pool,
      ids.rows.map((row) => row.id),
    )
  ).sort((a, b) => a - b);
  const from = quantile(times, 0.1);
  const to = quantile(times, 0.9);
  return (0.8 * times.length) / ((to - from) / 1000);
}

/** POSTs orders with autocannon (cheaper per request than fetch, leaving the CPU to the apps). */
async function postMany(url: string, options: { amount?: number; duration?: number }) {
  const result = await autocannon({
    url: `${url}/orders`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(orderBody(1)),
    connections: settings.connections,
    ...options,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `POST /orders failed: ${result.non2xx} non-2xx answers, ${result.errors} errors`,
    );
  }
  return result;
}

async function endToEndLatency(pool: pg.Pool, url: string, perSecond: number) {
  const sent = await submitAtRate(url, perSecond, settings.latencySeconds);
  const ids = [...sent.keys()];
  const done = await processedTimes(pool, ids);
  const { rows } = await pool.query<{ id: string; at: number }>(
    `SELECT id, (EXTRACT(EPOCH FROM updated_at) * 1000)::float8 AS at FROM orders WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const latencies = rows.map((row) => row.at - sent.get(row.id)!).sort((a, b) => a - b);
  return {
    count: done.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    stages: await stages(pool, ids),
  };
}

/**
 * Where end-to-end time goes, as medians measured from acceptance: the broker's confirm of
 * order.created reaching the relay (RabbitMQ confirms a persistent message once it is on disk or
 * acked by its consumer, so this overlaps the worker), the worker's result, the status stored.
 */
async function stages(pool: pg.Pool, ids: string[]) {
  const { rows } = await pool.query<{ confirmed: number; processed: number; stored: number }>(
    `SELECT EXTRACT(EPOCH FROM x.sent_at - o.created_at) * 1000 AS confirmed,
            EXTRACT(EPOCH FROM o.processed_at - o.created_at) * 1000 AS processed,
            EXTRACT(EPOCH FROM o.updated_at - o.created_at) * 1000 AS stored
     FROM orders o JOIN outbox x ON (x.payload->>'orderId')::uuid = o.id
     WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  const median = (key: 'confirmed' | 'processed' | 'stored') =>
    round(
      quantile(
        rows.map((row) => Number(row[key])).sort((a, b) => a - b),
        0.5,
      ),
      1,
    );
  return {
    confirmed: median('confirmed'),
    processed: median('processed'),
    stored: median('stored'),
  };
}

async function drainOutbox(pool: pg.Pool): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL',
    );
    if (rows[0]!.n === 0) return;
    await sleep(200);
  }
}

/** The bench's own database, exchange and queues, and its worker processes. */
interface Rig {
  url: string;
  prefix: string;
  names: { exchange: string; results: string; queue: string };
  database: TestDatabase;
  pool: pg.Pool;
  workers: AppProcess[];
}

async function setUp(): Promise<Rig> {
  const url = await amqpUrl();
  const prefix = uniqueName('orderbench');
  const database = await createTestDatabase('orders_bench');
  await runMigrations({
    dir: MIGRATIONS_DIR,
    connection: { connectionString: database.url },
    logger: createLogger({ name: 'bench', level: 'warn' }),
  });
  return {
    url,
    prefix,
    names: {
      exchange: `${prefix}.orders`,
      results: `${prefix}.results`,
      queue: `${prefix}.worker`,
    },
    database,
    pool: new pg.Pool({ connectionString: database.url, max: 4 }),
    workers: [],
  };
}

async function startWorkers(rig: Rig, count: number, prefetch = settings.prefetch) {
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startProcess('order-worker', WORKER_ENTRY, {
        AMQP_URL: rig.url,
        ORDERS_EXCHANGE: rig.names.exchange,
        ORDERS_QUEUE: rig.names.queue,
        FULFILMENT_DELAY_MS: String(settings.fulfilmentDelayMs),
        PREFETCH: String(prefetch),
        LOG_LEVEL: settings.logLevel,
      }),
    ),
  );
  rig.workers.push(...started);
  await Promise.all(started.map((worker) => waitUntilHealthy(worker)));
}

/**
 * Accepted orders/s with no worker running (a worker declares the work queue, so order.created
 * is routable, then stops): the API and its outbox relay alone, as when workers run on other
 * nodes. The backlog is published and purged afterwards, so it is not part of later runs.
 */
async function measureAccepted(rig: Rig, serviceUrl: string): Promise<number> {
  await startWorkers(rig, 1);
  await rig.workers.pop()!.stop();
  const cannon = await postMany(serviceUrl, { duration: settings.acceptedSeconds });
  const accepted = cannon['2xx'] / cannon.duration;
  console.log(
    `accepted: ${round(accepted)} orders/s (p50 ${cannon.latency.p50} ms, p99 ${cannon.latency.p99} ms, non-2xx ${cannon.non2xx}, errors ${cannon.errors})`,
  );
  const drainStarted = Date.now();
  await drainOutbox(rig.pool);
  console.log(
    `outbox drained ${round((Date.now() - drainStarted) / 1000, 1)} s after the load ended`,
  );
  const admin = await amqp.connect(rig.url);
  await (await admin.createChannel()).purgeQueue(rig.names.queue);
  await admin.close();
  await sleep(1000);
  return accepted;
}

interface EndToEnd {
  label: string;
  sustained: number;
  p99: number;
}

/** The sustained end-to-end rate with the workers running now, and the latency at half of it. */
async function measureEndToEnd(
  rig: Rig,
  serviceUrl: string,
  label: string,
  count: number,
): Promise<EndToEnd> {
  const sustained = await sustainedRate(rig.pool, serviceUrl, settings.backlogPerWorker * count);
  const offered = sustained / 2;
  const latency = await endToEndLatency(rig.pool, serviceUrl, offered);
  console.log(
    `${label}: sustained ${round(sustained)} orders/s; at ${round(offered)}/s offered: p50 ${round(latency.p50)} ms, p99 ${round(latency.p99)} ms (${latency.count} orders; median ms from acceptance: publish confirmed ${latency.stages.confirmed}, result ${latency.stages.processed}, stored ${latency.stages.stored})`,
  );
  return { label, sustained, p99: latency.p99 };
}

function printRatios(raw: number, accepted: number, [one, three, capacity]: EndToEnd[]) {
  const check = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log('\nratios against the targets');
  console.log(
    `  accepted / raw publish            ${round(accepted / raw, 3)}  (target >= ${targets.acceptedVsRaw}) ${check(accepted / raw >= targets.acceptedVsRaw)}`,
  );
  console.log(
    `  sustained e2e (${capacity!.label}) / raw   ${round(capacity!.sustained / raw, 3)}  (target >= ${targets.endToEndVsRaw}) ${check(capacity!.sustained / raw >= targets.endToEndVsRaw)}`,
  );
  console.log(`  sustained e2e (${three!.label}) / raw   ${round(three!.sustained / raw, 3)}`);
  console.log(`  sustained e2e (${one!.label}) / raw    ${round(one!.sustained / raw, 3)}`);
  console.log(
    `  3 workers / 1 worker (prefetch ${settings.prefetch})   ${round(three!.sustained / one!.sustained, 2)}  (target >= ${targets.scaling}) ${check(three!.sustained / one!.sustained >= targets.scaling)}`,
  );
  for (const run of [one!, three!, capacity!]) {
    console.log(
      `  e2e p99 at half max, ${run.label}   ${round(run.p99)} ms  (target < ${targets.p99Ms} ms) ${check(run.p99 < targets.p99Ms)}`,
    );
  }
}

async function main() {
  const rig = await setUp();
  try {
    console.log(`settings: ${JSON.stringify(settings)}`);
    const raw = await rawPublishRate(rig.url, `${rig.prefix}.raw`);
    console.log(`raw confirmed publish: ${round(raw)} msg/s`);
    const service = await startProcess('order-service', SERVICE_ENTRY, {
      AMQP_URL: rig.url,
      DATABASE_URL: rig.database.url,
      ORDERS_EXCHANGE: rig.names.exchange,
      RESULTS_QUEUE: rig.names.results,
      LOG_LEVEL: settings.logLevel,
    });
    await waitUntilHealthy(service);
    const accepted = await measureAccepted(rig, service.url);
    await startWorkers(rig, 1);
    const one = await measureEndToEnd(
      rig,
      service.url,
      `1 worker, prefetch ${settings.prefetch}`,
      1,
    );
    await startWorkers(rig, 2);
    const three = await measureEndToEnd(
      rig,
      service.url,
      `3 workers, prefetch ${settings.prefetch}`,
      3,
    );
    await Promise.all(rig.workers.splice(0).map((worker) => worker.stop()));
    await startWorkers(rig, 3, settings.capacityPrefetch);
    const capacity = await measureEndToEnd(
      rig,
      service.url,
      `3 workers, prefetch ${settings.capacityPrefetch}`,
      3,
    );
    printRatios(raw, accepted, [one, three, capacity]);
  } finally {
    await stopAll();
    await rig.pool.end();
    await deleteBrokerObjects(rig.prefix);
    await rig.database.drop();
  }
}

await main();
