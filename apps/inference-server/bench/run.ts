// `npm run bench -w apps/inference-server`: predictions per second and latency through the HTTP
// API at 64 connections, micro-batching on and off, against the limit measured in the same run:
// the same model, backend and number of threads calling model.predict on full batches with no
// HTTP at all (and the same at batch 1: what batching can gain at most). Cases are interleaved over
// several rounds and the medians reported. About 2 minutes.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { containerCpus } from '../src/inference/containerCpus.js';
import { digitImage } from '../test/support/digits.js';
import { SHIPPED_VERSION } from '../test/support/inProcessModel.js';
import { ready, startServer, type ServerProcess } from '../test/support/serverProcess.js';

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = Number(process.env.INFERENCE_THREADS ?? containerCpus());
const MAX_BATCH = Number(process.env.MAX_BATCH_SIZE ?? 32);
const BATCH_TIMEOUT_MS = process.env.BATCH_TIMEOUT_MS ?? '2';
const NICE = Number(process.env.INFERENCE_THREAD_NICE ?? 10);
const CLOCK_TICKS = 100; // USER_HZ on Linux

interface Sample {
  predictionsPerSecond: number;
  p50?: number;
  p99?: number;
  serverCpu?: number;
  clientCpu?: number;
  errors?: number;
}

const body = JSON.stringify({ instances: [digitImage(0)] });

async function limit(batchSize: number): Promise<Sample> {
  const workers = Array.from(
    { length: THREADS },
    () =>
      new Worker(new URL('./predictLoop.ts', import.meta.url), {
        execArgv: ['--import', 'tsx'],
        workerData: {
          modelDir: SHIPPED_VERSION,
          batchSize,
          seconds: SECONDS,
          preference: 'auto',
        },
      }),
  );
  const next = (worker: Worker) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  await Promise.all(workers.map(next));
  const results = workers.map(next);
  for (const worker of workers) worker.postMessage('go');
  const done = await Promise.all(results);
  await Promise.all(workers.map((worker) => worker.terminate()));
  return {
    predictionsPerSecond: done.reduce((sum, r) => sum + r.predictions! / r.seconds!, 0),
  };
}

async function http(server: ServerProcess): Promise<Sample> {
  const options = {
    url: `${server.url}/v1/models/mnist:predict`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: connections, JIT, batch sizes
  const serverBefore = cpuSeconds(server.child.pid!);
  const clientBefore = process.cpuUsage();
  const result = await autocannon({ ...options, duration: SECONDS });
  const client = process.cpuUsage(clientBefore);
  return {
    predictionsPerSecond: result['2xx'] / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    serverCpu: (cpuSeconds(server.child.pid!) - serverBefore) / SECONDS,
    clientCpu: (client.user + client.system) / 1e6 / SECONDS,
    errors: result.errors + result.non2xx,
  };
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const serverEnv = (maxBatch: number) => ({
  INFERENCE_THREADS: String(THREADS),
  MAX_BATCH_SIZE: String(maxBatch),
  BATCH_TIMEOUT_MS,
  MAX_QUEUED_REQUESTS: '1024',
  INFERENCE_THREAD_NICE: String(NICE),
  LOG_LEVEL: 'warn',
});

const samples: Record<string, Sample[]> = { limit: [], limitOne: [], batched: [], unbatched: [] };
const batched = await startServer(serverEnv(MAX_BATCH));
const unbatched = await startServer(serverEnv(1));
try {
  await Promise.all([ready(batched), ready(unbatched)]);
  for (let round = 1; round <= ROUNDS; round += 1) {
    samples.limit!.push(await limit(MAX_BATCH));
    samples.limitOne!.push(await limit(1));
    samples.batched!.push(await http(batched));
    samples.unbatched!.push(await http(unbatched));
    console.error(`round ${round}/${ROUNDS} done`);
  }
} finally {
  await Promise.all([batched.stop(), unbatched.stop()]);
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary = Object.fromEntries(
  Object.entries(samples).map(([name, runs]) => [
    name,
    Object.fromEntries(
      (Object.keys(runs[0]!) as (keyof Sample)[]).map((key) => [
        key,
        median(runs.map((r) => r[key]!)),
      ]),
    ) as unknown as Sample,
  ]),
) as Record<'limit' | 'limitOne' | 'batched' | 'unbatched', Sample>;

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));
console.log(
  `\ninference-server bench: ${THREADS} inference threads, max batch ${MAX_BATCH}, batch timeout ${BATCH_TIMEOUT_MS} ms, ` +
    `${CONNECTIONS} connections, 1 instance per request, ${SECONDS} s x ${ROUNDS} rounds (medians)\n`,
);
console.log(
  'case                          predictions/s   p50 ms   p99 ms   server CPU   client CPU   errors',
);
const rows: [string, Sample][] = [
  [`limit: model.predict, batch ${MAX_BATCH}`, summary.limit],
  ['limit: model.predict, batch 1', summary.limitOne],
  [`HTTP, batched (max ${MAX_BATCH})`, summary.batched],
  ['HTTP, unbatched (max 1)', summary.unbatched],
];
for (const [name, s] of rows) {
  console.log(
    `${name.padEnd(30)}${fmt(s.predictionsPerSecond).padStart(13)}${fmt(s.p50).padStart(9)}${fmt(s.p99).padStart(9)}` +
      `${fmt(s.serverCpu, 2).padStart(13)}${fmt(s.clientCpu, 2).padStart(13)}${fmt(s.errors).padStart(9)}`,
  );
}
const vsLimit = summary.batched.predictionsPerSecond / summary.limit.predictionsPerSecond;
const vsUnbatched = summary.batched.predictionsPerSecond / summary.unbatched.predictionsPerSecond;
console.log(`\nbatched HTTP / limit:     ${vsLimit.toFixed(2)}x (target >= 0.6x)`);
console.log(`batched / unbatched HTTP: ${vsUnbatched.toFixed(2)}x (target >= 4x)`);
console.log(
  `model.predict batch ${MAX_BATCH} / batch 1: ${(summary.limit.predictionsPerSecond / summary.limitOne.predictionsPerSecond).toFixed(2)}x ` +
    '(what batching can gain at most, before any HTTP cost)',
);
console.log(`(CPU columns: cores used by the server process and by this load generator)`);
