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
} from '@taller/testing';
import { createLogger } from '@taller/telemetry';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../src/db/migrationsDir.js';
import { SERVICE_ENTRY } from '../test/support/processes.js';

const settings = { backlog: 150_000, kills: 8, killEvery: 3000, batchSize: 200, concurrency: 3 };

async function main() {
  const database = await createTestDatabase('orders_crash');
  const prefix = uniqueName('crashbench');
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    await runMigrations({
      dir: MIGRATIONS_DIR,
      connection: { connectionString: database.url },
      logger: createLogger({ name: 'migrate', level: 'warn' }),
    });
    await pool.query(
      `INSERT INTO outbox (message_id, routing_key, payload, created_at)
       SELECT gen_random_uuid(), 'order.created', json_build_object('n', n), now()
       FROM generate_series(1, $1) AS n`,
      [settings.backlog],
    );
    const exchange = `${prefix}.orders`;
    const tap = await tapExchange(exchange, ['order.created']);
    const env = {
      AMQP_URL: await amqpUrl(),
      DATABASE_URL: database.url,
      ORDERS_EXCHANGE: exchange,
      RESULTS_QUEUE: `${prefix}.results`,
      OUTBOX_BATCH_SIZE: String(settings.batchSize),
      OUTBOX_RELAY_CONCURRENCY: String(settings.concurrency),
      LOG_LEVEL: 'warn',
    };
    const received = new Map<string, number>();
    const repeats = () => {
      received.clear();
      for (const message of tap.messages) {
        const id = String(message.properties.messageId);
        received.set(id, (received.get(id) ?? 0) + 1);
      }
      return tap.messages.length - received.size;
    };
    console.log(`settings: ${JSON.stringify(settings)}`);
    const window = settings.batchSize * settings.concurrency;
    const perKill: number[] = [];
    for (let kill = 1; kill <= settings.kills; kill += 1) {
      const before = repeats();
      const service = await startProcess('order-service', SERVICE_ENTRY, env);
      await waitUntilHealthy(service);
      const target = tap.messages.length + settings.killEvery;
      await waitFor('messages flowing', () => tap.messages.length >= target, { intervalMs: 5 });
      await service.stop('SIGKILL');
      // The next start republishes first what the dead one had not marked sent (the lowest
      // unsent ids): once it has published two windows more, those are all through.
      const atKill = tap.messages.length;
      const next = await startProcess('order-service', SERVICE_ENTRY, env);
      await waitUntilHealthy(next);
      await waitFor(
        'two windows published after the kill',
        () => tap.messages.length >= atKill + 2 * window,
      );
      await next.stop(); // SIGTERM: a clean stop repeats nothing
      await sleep(500); // the last confirmed messages reach the tap
      perKill.push(repeats() - before);
      console.log(`kill ${kill}: ${perKill.at(-1)} messages published twice`);
    }
    const mean = perKill.reduce((sum, n) => sum + n, 0) / perKill.length;
    const worst = Math.max(...perKill);
    console.log(
      `\nrepeats per kill: mean ${mean.toFixed(0)}, worst ${worst}; relay window ${window}; ` +
        `mean / window ${(mean / window).toFixed(3)}`,
    );
    await tap.close();
  } finally {
    await stopAll();
    await pool.end();
    await database.drop();
    await deleteBrokerObjects(prefix);
  }
}

await main();
