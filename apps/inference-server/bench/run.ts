// `npm run bench -w apps/inference-server`: predictions per second and latency through the HTTP
// API at 64 connections, micro-batching on and off, against the limit measured in the same run:
// the same model, backend, priority and number of threads calling model.predict on full batches
// with no HTTP at all (and at batch 1: the most batching can gain); plus requests of eight
// instances, to tell what costs per request from what costs per prediction. Cases are
// interleaved over rounds and the medians printed, with the CPU time each prediction costs per
// thread kind, which holds up better than throughput on a shared machine. The same through TF
// Serving's gRPC API (PredictionService/Predict, one digit per call packed in tensor_content, 64
// calls in flight over 8 channels). About 2.5 minutes.
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerCpus } from '../src/inference/containerCpus.js';
import { digitImage } from '../test/support/digits.js';
import * as grpcJs from '@grpc/grpc-js';
import { loadServingProtos } from '../src/grpc/predictionService.js';
import { imageTensor } from '../test/support/grpcClient.js';
import { metric } from '../test/support/http.js';
import { SHIPPED_VERSION } from '../test/support/inProcessModel.js';
import { ready, startServer, type ServerProcess } from '../test/support/serverProcess.js';

const CONNECTIONS = 64;
// gRPC multiplexes calls on a connection: the calls in flight share 8 channels (connections).
const GRPC_CHANNELS = 8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = Number(process.env.INFERENCE_THREADS ?? containerCpus());
const MAX_BATCH = Number(process.env.MAX_BATCH_SIZE ?? 32);
const BATCH_TIMEOUT_MS = process.env.BATCH_TIMEOUT_MS ?? '2';
const NICE = Number(process.env.INFERENCE_THREAD_NICE ?? 10);
const CLOCK_TICKS = 100; // USER_HZ on Linux

interface Sample {
  predictionsPerSecond: number;
  p50?: number | undefined;
  p99?: number | undefined;
  meanBatch?: number | undefined;
  /** Share of the wall time the inference threads spent in model calls. */
  threadsBusy?: number | undefined;
  /** CPU microseconds per prediction: the event loop, the inference threads, the rest (GC...). */
  mainUs?: number | undefined;
  inferenceUs: number;
  otherUs?: number | undefined;
  /** ... and in the load generator (this process). */
  clientUs?: number | undefined;
  errors?: number | undefined;
}

// Digits as a client would send them (pixels x / 255, full precision): one per request, and
// eight per request to show how much of the cost is per request rather than per prediction.
const request = (instances: number) => ({
  instances,
  body: JSON.stringify({ instances: Array.from({ length: instances }, (_, i) => digitImage(i)) }),
});
const one = request(1);
const eight = request(8);

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
          niceIncrement: NICE,
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
  const predictions = done.reduce((sum, r) => sum + r.predictions!, 0);
  return {
    predictionsPerSecond: done.reduce((sum, r) => sum + r.predictions! / r.seconds!, 0),
    inferenceUs: done.reduce((sum, r) => sum + r.cpuMicros!, 0) / predictions,
  };
}

/** What one load run measured on the client's side. */
interface LoadResult {
  /** Requests (or calls) answered successfully. */
  answered: number;
  p50: number | undefined;
  p99: number | undefined;
  errors: number;
}

/**
 * Runs `load` for SECONDS against a warm server and turns the server's threads' CPU, its batch
 * metrics and this process's CPU into the per-prediction columns.
 */
async function measured(
  server: ServerProcess,
  instances: number,
  load: () => Promise<LoadResult>,
): Promise<Sample> {
  const cpuBefore = threadCpu(server.child.pid!);
  const batchesBefore = await batches(server);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await load();
  const elapsed = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const batchesAfter = await batches(server);
  const cpuAfter = threadCpu(server.child.pid!);
  const predictions = batchesAfter.instances - batchesBefore.instances;
  const perPrediction = (kind: keyof typeof cpuAfter) =>
    ((cpuAfter[kind] - cpuBefore[kind]) * 1e6) / predictions;
  return {
    predictionsPerSecond: (result.answered * instances) / elapsed,
    p50: result.p50,
    p99: result.p99,
    meanBatch: predictions / (batchesAfter.calls - batchesBefore.calls),
    threadsBusy: (batchesAfter.seconds - batchesBefore.seconds) / (elapsed * THREADS),
    mainUs: perPrediction('main'),
    inferenceUs: perPrediction('inference'),
    otherUs: perPrediction('other'),
    clientUs: (client.user + client.system) / predictions,
    errors: result.errors,
  };
}

async function http(server: ServerProcess, { instances, body } = one): Promise<Sample> {
  const options = {
    url: `${server.url}/v1/models/mnist:predict`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: connections, JIT, batch sizes
  return measured(server, instances, async () => {
    const result = await autocannon({ ...options, duration: SECONDS });
    return {
      answered: result['2xx'],
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.non2xx,
    };
  });
}

/**
 * Predict calls as a load generator makes them, like autocannon's prebuilt body: the request
 * encoded once, the answer's bytes counted, not decoded.
 */
function rawPredictCalls(address: string, instances: number) {
  const method = loadServingProtos().PredictionService.service.Predict!;
  const request = method.requestSerialize({
    model_spec: { name: 'mnist' },
    inputs: { image: imageTensor(Array.from({ length: instances }, (_, i) => digitImage(i))) },
  });
  const client = new grpcJs.Client(address, grpcJs.credentials.createInsecure());
  const same = (bytes: Buffer) => bytes;
  return {
    predict: () =>
      new Promise<void>((resolve, reject) => {
        client.makeUnaryRequest(method.path, same, same, request, (error) =>
          error ? reject(error) : resolve(),
        );
      }),
    close: () => client.close(),
  };
}

/** The batched server through gRPC: `inFlight` closed-loop callers, packed digits per call. */
async function grpc(server: ServerProcess, inFlight: number, instances = 1): Promise<Sample> {
  const clients = Array.from({ length: GRPC_CHANNELS }, () =>
    rawPredictCalls(server.grpcAddress, instances),
  );
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async (_, i) => {
        const client = clients[i % GRPC_CHANNELS]!;
        while (performance.now() < end) {
          const start = performance.now();
          try {
            await client.predict();
            latencies.push(performance.now() - start);
          } catch {
            errors += 1;
          }
        }
      }),
    );
    return { latencies: latencies.sort((a, b) => a - b), errors };
  };
  try {
    await run(2); // warm-up: connections, JIT, batch sizes
    await sleep(100);
    return await measured(server, instances, async () => {
      const { latencies, errors } = await run(SECONDS);
      const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))];
      return { answered: latencies.length, p50: at(0.5), p99: at(0.99), errors };
    });
  } finally {
    for (const client of clients) client.close();
  }
}

async function batches(server: ServerProcess) {
  return {
    calls: await metric(server.url, 'inference_batch_size_count{model="mnist"}'),
    instances: await metric(server.url, 'inference_batch_size_sum{model="mnist"}'),
    seconds: await metric(server.url, 'inference_duration_seconds_sum{model="mnist"}'),
  };
}

/** CPU seconds of a process so far, by thread: its main thread, Node's WorkerThreads, the rest. */
function threadCpu(pid: number) {
  const cpu = { main: 0, inference: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      if (tid === String(pid)) cpu.main += seconds;
      else if (name === 'WorkerThread') cpu.inference += seconds;
      else cpu.other += seconds;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

const serverEnv = (maxBatch: number) => ({
  INFERENCE_THREADS: String(THREADS),
  MAX_BATCH_SIZE: String(maxBatch),
  BATCH_TIMEOUT_MS,
  MAX_QUEUED_REQUESTS: '1024',
  INFERENCE_THREAD_NICE: String(NICE),
  LOG_LEVEL: 'warn',
});

const samples = {
  limit: [] as Sample[],
  limitOne: [] as Sample[],
  batched: [] as Sample[],
  unbatched: [] as Sample[],
  eight: [] as Sample[],
  grpc: [] as Sample[],
  grpcEight: [] as Sample[],
};
const batched = await startServer(serverEnv(MAX_BATCH));
const unbatched = await startServer(serverEnv(1));
try {
  await Promise.all([ready(batched), ready(unbatched)]);
  for (let round = 1; round <= ROUNDS; round += 1) {
    samples.limit.push(await limit(MAX_BATCH));
    samples.limitOne.push(await limit(1));
    samples.batched.push(await http(batched));
    samples.unbatched.push(await http(unbatched));
    samples.eight.push(await http(batched, eight));
    samples.grpc.push(await grpc(batched, CONNECTIONS));
    samples.grpcEight.push(await grpc(batched, CONNECTIONS, 8));
    console.error(`round ${round}/${ROUNDS} done`);
  }
} finally {
  await Promise.all([batched.stop(), unbatched.stop()]);
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
function summarise(runs: Sample[]): Sample {
  const pick = (key: keyof Sample) => {
    const values = runs.map((run) => run[key]).filter((value) => value !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  return {
    predictionsPerSecond: pick('predictionsPerSecond')!,
    p50: pick('p50'),
    p99: pick('p99'),
    meanBatch: pick('meanBatch'),
    threadsBusy: pick('threadsBusy'),
    mainUs: pick('mainUs'),
    inferenceUs: pick('inferenceUs')!,
    otherUs: pick('otherUs'),
    clientUs: pick('clientUs'),
    errors: pick('errors'),
  };
}
const summary = {
  limit: summarise(samples.limit),
  limitOne: summarise(samples.limitOne),
  batched: summarise(samples.batched),
  unbatched: summarise(samples.unbatched),
  eight: summarise(samples.eight),
  grpc: summarise(samples.grpc),
  grpcEight: summarise(samples.grpcEight),
};

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));
console.log(
  `\ninference-server bench: ${THREADS} inference threads (nice +${NICE}), max batch ${MAX_BATCH}, ` +
    `batch timeout ${BATCH_TIMEOUT_MS} ms, ${CONNECTIONS} connections, one instance per request, ` +
    `${SECONDS} s x ${ROUNDS} rounds, medians\n`,
);
console.log(`${' '.repeat(67)}CPU us per prediction`);
console.log(
  'case                            pred/s  p50 ms  p99 ms  batch  busy    main  infer.  other  client  errors',
);
const rows: [string, Sample][] = [
  [`limit: model.predict, batch ${MAX_BATCH}`, summary.limit],
  ['limit: model.predict, batch 1', summary.limitOne],
  [`HTTP, batched (max ${MAX_BATCH})`, summary.batched],
  ['HTTP, unbatched (max 1)', summary.unbatched],
  ['HTTP, batched, 8 per request', summary.eight],
  [`gRPC, batched (max ${MAX_BATCH})`, summary.grpc],
  ['gRPC, batched, 8 per call', summary.grpcEight],
];
for (const [name, s] of rows) {
  console.log(
    name.padEnd(30) +
      fmt(s.predictionsPerSecond).padStart(8) +
      fmt(s.p50).padStart(8) +
      fmt(s.p99).padStart(8) +
      fmt(s.meanBatch, 1).padStart(7) +
      fmt(s.threadsBusy, 2).padStart(6) +
      fmt(s.mainUs).padStart(8) +
      fmt(s.inferenceUs).padStart(8) +
      fmt(s.otherUs).padStart(7) +
      fmt(s.clientUs).padStart(8) +
      fmt(s.errors).padStart(8),
  );
}
const ratio = (a: Sample, b: Sample) =>
  (a.predictionsPerSecond / b.predictionsPerSecond).toFixed(2);
console.log(
  `\nbatched HTTP / limit:      ${ratio(summary.batched, summary.limit)}x (target >= 0.6x)`,
);
console.log(
  `batched / unbatched HTTP:  ${ratio(summary.batched, summary.unbatched)}x (target >= 4x)`,
);
console.log(`batched gRPC / limit:      ${ratio(summary.grpc, summary.limit)}x (target >= 0.8x)`);
console.log(`gRPC, 8 per call / limit:  ${ratio(summary.grpcEight, summary.limit)}x`);
console.log(`HTTP, 8 per request / limit: ${ratio(summary.eight, summary.limit)}x`);
console.log(
  `limit batch ${MAX_BATCH} / batch 1:    ${ratio(summary.limit, summary.limitOne)}x ` +
    '(the most batching can gain, before any HTTP cost)',
);
console.log('busy: share of the wall time the inference threads spent in model calls');
