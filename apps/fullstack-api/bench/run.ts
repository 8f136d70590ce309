// `npm run bench -w apps/fullstack-api`: the API's hot paths against their baselines in one run.
// Each server runs alone on CPU 1, the load generator (this process) on CPU 0; every case runs
// several times, interleaved, and the medians are reported. About two and a half minutes.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@taller/postgres';
import { createLogger } from '@taller/telemetry';
import { createTestDatabase, freePort } from '@taller/testing';
import autocannon from 'autocannon';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../src/db/migrationsDir.js';
import { encodeCursor } from '../src/tasks/cursor.js';
import { startRedisServer } from '../test/support/redisServer.js';
import { canPin, pinSelf, startServer, type ServerProcess } from './serverProcess.js';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEED_TASKS = 5000;
const LOAD_CPU = 0;
const SERVER_CPU = 1;
// BENCH_CASES=cached,post runs the baselines and only the cases whose names contain one of those words.
const ONLY = process.env.BENCH_CASES?.split(',').map((word) => word.trim().toLowerCase());

interface Case {
  name: string;
  server: 'app' | 'express' | 'floor' | 'node';
  request: () => autocannon.Options;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuPer1k: number;
  bad: number;
}

const logFile = join(tmpdir(), `fullstack-bench-${process.pid}.log`);
const redis = await startRedisServer(); // before pinning, so Redis keeps both CPUs like PostgreSQL
pinSelf(LOAD_CPU);
const database = await createTestDatabase('fullstack_bench');
const servers: ServerProcess[] = [];

try {
  await runMigrations({
    dir: MIGRATIONS_DIR,
    connection: { connectionString: database.url },
    logger: createLogger({ name: 'bench', level: 'warn' }),
  });
  const seeded = await seed(database.url);

  const app = await startServer(
    'app',
    'src/server.ts',
    await freePort(),
    SERVER_CPU,
    {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      // The shared limiter still runs on every request; it just never refuses one here.
      RATE_LIMIT_POINTS: '1000000000',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    },
    logFile,
    '/readyz',
  );
  const express = await startServer(
    'express',
    'bench/expressHello.ts',
    await freePort(),
    SERVER_CPU,
    {},
    logFile,
  );
  const floor = await startServer(
    'floor',
    'bench/expressFloor.ts',
    await freePort(),
    SERVER_CPU,
    { DATABASE_URL: database.url, REDIS_URL: redis.url },
    logFile,
    '/redis',
  );
  const node = await startServer(
    'node',
    'bench/nodeHello.ts',
    await freePort(),
    SERVER_CPU,
    {},
    logFile,
  );
  servers.push(app, express, floor, node);
  const byName = { app, express, floor, node };

  const allCases: Case[] = [
    {
      name: 'node:http hello (baseline)',
      server: 'node',
      request: () => ({ url: `${node.url}/hello` }),
    },
    {
      name: 'Express hello (baseline)',
      server: 'express',
      request: () => ({ url: `${express.url}/hello` }),
    },
    {
      name: 'Express + one Redis GET (baseline)',
      server: 'floor',
      request: () => ({ url: `${floor.url}/redis` }),
    },
    {
      name: 'Express + one page query (baseline)',
      server: 'floor',
      request: () => randomPage(floor.url, '/page', seeded),
    },
    {
      name: 'GET /api/tasks/:id (cached)',
      server: 'app',
      request: () => ({ url: `${app.url}/api/tasks/${seeded.someId}` }),
    },
    {
      name: 'GET /api/tasks?limit=20 (uncached)',
      server: 'app',
      request: () => randomPage(app.url, '/api/tasks', seeded),
    },
    {
      name: 'POST /api/tasks',
      server: 'app',
      request: () => ({
        url: `${app.url}/api/tasks`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Benchmark task', description: 'Created under load' }),
      }),
    },
  ];
  const cases = allCases.filter(
    (benchCase) =>
      benchCase.name.includes('baseline') ||
      !ONLY ||
      ONLY.some((word) => benchCase.name.toLowerCase().includes(word)),
  );

  await fetch(`${app.url}/api/tasks/${seeded.someId}`); // fills the cache for the cached case
  console.log(
    `fullstack-api bench: ${CONNECTIONS} connections, ${RUNS} x ${DURATION_S} s per case` +
      (canPin
        ? `, servers on CPU ${SERVER_CPU}, load generator on CPU ${LOAD_CPU}`
        : ', not pinned (no taskset)'),
  );
  for (const benchCase of cases) await measure(byName[benchCase.server], benchCase, 2); // warm-up

  const samples = new Map<string, Sample[]>(cases.map((benchCase) => [benchCase.name, []]));
  for (let run = 0; run < RUNS; run += 1) {
    for (const benchCase of cases) {
      samples
        .get(benchCase.name)!
        .push(await measure(byName[benchCase.server], benchCase, DURATION_S));
    }
  }
  report(cases, samples);
  rmSync(logFile, { force: true });
} catch (error) {
  console.error(`bench failed; the servers' logs are in ${logFile}`);
  throw error;
} finally {
  for (const server of servers) await server.stop();
  await redis.kill();
  await database.drop();
}

async function measure(server: ServerProcess, benchCase: Case, seconds: number): Promise<Sample> {
  const cpuBefore = server.cpuSeconds();
  const result = await autocannon({
    ...benchCase.request(),
    connections: CONNECTIONS,
    duration: seconds,
  });
  const cpu = server.cpuSeconds() - cpuBefore;
  const total = result.requests.total;
  return {
    rps: total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPer1k: total > 0 ? (cpu / total) * 1000 : Number.NaN,
    bad: result.non2xx + result.errors,
  };
}

function report(cases: Case[], samples: Map<string, Sample[]>): void {
  const median = (values: number[]) =>
    values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summary = new Map(
    cases.map((benchCase) => {
      const runs = samples.get(benchCase.name)!;
      return [
        benchCase.name,
        {
          rps: median(runs.map((run) => run.rps)),
          p50: median(runs.map((run) => run.p50)),
          p99: median(runs.map((run) => run.p99)),
          cpuPer1k: median(runs.map((run) => run.cpuPer1k)),
          bad: runs.reduce((sum, run) => sum + run.bad, 0),
          all: runs.map((run) => Math.round(run.rps)).join(' / '),
        },
      ];
    }),
  );
  const nodeRps = summary.get('node:http hello (baseline)')!.rps;
  const expressRps = summary.get('Express hello (baseline)')!.rps;
  const expressCpu = summary.get('Express hello (baseline)')!.cpuPer1k;
  const rows = cases.map((benchCase) => {
    const s = summary.get(benchCase.name)!;
    return {
      case: benchCase.name,
      'req/s': Math.round(s.rps),
      'runs req/s': s.all,
      'p50 ms': s.p50,
      'p99 ms': s.p99,
      'CPU s/1k req': s.cpuPer1k.toFixed(3),
      'x Express': (s.rps / expressRps).toFixed(2),
      'x node:http': (s.rps / nodeRps).toFixed(2),
      // What the ratio would be if the server's own CPU were the only limit: steadier than
      // requests/s when other work shares the machine.
      'x Express by CPU': (expressCpu / s.cpuPer1k).toFixed(2),
      'non-2xx/errors': s.bad,
    };
  });
  console.table(rows);

  // The targets compare server CPU per request, which other work on the machine moves least.
  const targets: [string, number][] = [
    ['GET /api/tasks/:id (cached)', 0.5],
    ['GET /api/tasks?limit=20 (uncached)', 0.25],
  ];
  for (const [name, goal] of targets) {
    const measured = summary.get(name);
    if (!measured) continue;
    const ratio = expressCpu / measured.cpuPer1k;
    console.log(
      `target ${name} >= ${goal.toFixed(2)}x Express by CPU: ${ratio.toFixed(2)}x -> ${ratio >= goal ? 'met' : 'MISSED'}`,
    );
  }
  if ([...summary.values()].some((s) => s.bad > 0))
    console.log('warning: some requests failed (non-2xx/errors column)');
}

/** A page at a random position per request: every page is a cache miss, read from PostgreSQL. */
function randomPage(
  url: string,
  path: string,
  seeded: { oldest: number; newest: number },
): autocannon.Options {
  const setupRequest = (request: autocannon.Request) => {
    const createdAt = new Date(
      seeded.oldest + Math.random() * (seeded.newest - seeded.oldest),
    ).toISOString();
    const cursor = encodeCursor({ createdAt, id: randomUUID() });
    return { ...request, path: `${path}?limit=20&cursor=${cursor}` };
  };
  return { url, requests: [{ method: 'GET', setupRequest }] };
}

/** Tasks spread over the last day, and what the cases need to know about them. */
async function seed(url: string): Promise<{ someId: string; oldest: number; newest: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO tasks (title, description, status, created_at, updated_at)
       SELECT 'Seeded task ' || i, 'A task to page through', (ARRAY['todo','doing','done'])[1 + i % 3], ts, ts
       FROM generate_series(1, $1::int) AS i,
            LATERAL (SELECT now() - interval '1 day' * random() AS ts) AS t`,
      [SEED_TASKS],
    );
    const { rows } = await client.query<{ id: string; oldest: Date; newest: Date }>(
      `SELECT (SELECT id FROM tasks LIMIT 1) AS id, min(created_at) AS oldest, max(created_at) AS newest FROM tasks`,
    );
    return {
      someId: rows[0]!.id,
      oldest: rows[0]!.oldest.getTime(),
      newest: rows[0]!.newest.getTime(),
    };
  } finally {
    await client.end();
  }
}
