// What a crash of order-service publishes twice. A backlog of outbox rows, the service relaying
// it at full speed, SIGKILL a few times mid-flow (restarting it each time): every message the
// exchange receives more than once is a repeat. Printed per kill, against the relay's window
// (batch size x concurrency), which is what a crash repeated when rows were marked sent per
// batch.
//
//   eval "$(bash scripts/services.sh)" && npm run bench:crash -w apps/order-service
import { setTimeout as sleep } from 'node:timers/promises';
import { runMigrations } from '@taller/postgres';
import {
  amqpUrl,
  createTestDatabase,
  deleteBrokerObjects,
  startProcess,
  stopAll,
  tapExchange,
  uniqueName,
  waitFor,
  waitUntilHealthy,
  type ExchangeTap,
  type TestDatabase,
} from '@taller/testing';
import { createLogger } from '@taller/telemetry';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../src/db/migrationsDir.js';
import { SERVICE_ENTRY } from '../test/support/processes.js';

const settings = { backlog: 150_000, kills: 8, killEvery: 3000, batchSize: 200, concurrency: 3 };

/** A database with `settings.backlog` unsent outbox rows, as if orders came in while no relay ran. */
async function backlogDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase('orders_crash');
  await runMigrations({
    dir: MIGRATIONS_DIR,
    connection: { connectionString: database.url },
    logger: createLogger({ name: 'migrate', level: 'warn' }),
  });
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    await pool.query(
      `INSERT INTO outbox (message_id, routing_key, payload, created_at)
       SELECT gen_random_uuid(), 'order.created', json_build_object('n', n), now()
       FROM generate_series(1, $1) AS n`,
      [settings.backlog],
    );
  } finally {
    await pool.end();
  }
  return database;
}

/** How many of the tapped messages so far are repeats (a message id seen before). */
function repeatsIn(tap: ExchangeTap): number {
  return (
    tap.messages.length - new Set(tap.messages.map((m) => String(m.properties.messageId))).size
  );
}

/**
 * One kill: order-service relaying, SIGKILLed mid-flow, then a new one started until it has
 * published two relay windows more (the dead one's unmarked rows go first, the lowest ids).
 */
async function killOnce(tap: ExchangeTap, env: Record<string, string>, window: number) {
  const service = await startProcess('order-service', SERVICE_ENTRY, env);
  await waitUntilHealthy(service);
  const target = tap.messages.length + settings.killEvery;
  await waitFor('messages flowing', () => tap.messages.length >= target, { intervalMs: 5 });
  await service.stop('SIGKILL');
  const atKill = tap.messages.length;
  const next = await startProcess('order-service', SERVICE_ENTRY, env);
  await waitUntilHealthy(next);
  await waitFor(
    'two windows published after the kill',
    () => tap.messages.length >= atKill + 2 * window,
  );
  await next.stop(); // SIGTERM: a clean stop repeats nothing
  await sleep(500); // the last confirmed messages reach the tap
}

async function main() {
  const database = await backlogDatabase();
  const prefix = uniqueName('crashbench');
  const exchange = `${prefix}.orders`;
  const tap = await tapExchange(exchange, ['order.created']);
  try {
    const env = {
      AMQP_URL: await amqpUrl(),
      DATABASE_URL: database.url,
      ORDERS_EXCHANGE: exchange,
      RESULTS_QUEUE: `${prefix}.results`,
      OUTBOX_BATCH_SIZE: String(settings.batchSize),
      OUTBOX_RELAY_CONCURRENCY: String(settings.concurrency),
      LOG_LEVEL: 'warn',
    };
    console.log(`settings: ${JSON.stringify(settings)}`);
    const window = settings.batchSize * settings.concurrency;
    const perKill: number[] = [];
    for (let kill = 1; kill <= settings.kills; kill += 1) {
      const before = repeatsIn(tap);
      await killOnce(tap, env, window);
      perKill.push(repeatsIn(tap) - before);
      console.log(`kill ${kill}: ${perKill.at(-1)} messages published twice`);
    }
    const mean = perKill.reduce((sum, n) => sum + n, 0) / perKill.length;
    console.log(
      `\nrepeats per kill: mean ${mean.toFixed(0)}, worst ${Math.max(...perKill)}; relay window ${window}; ` +
        `mean / window ${(mean / window).toFixed(3)}`,
    );
  } finally {
    await tap.close();
    await stopAll();
    await database.drop();
    await deleteBrokerObjects(prefix);
  }
}

await main();
