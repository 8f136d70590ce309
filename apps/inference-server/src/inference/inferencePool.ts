import { Piscina } from 'piscina';
import type { Logger } from '@taller/telemetry';
import type { BackendChoice, BackendPreference } from './backend.js';
import type {
  PredictReply,
  PredictTask,
  Signature,
  SyncReply,
  SyncTask,
  WorkerOptions,
} from './inferenceTasks.js';

export interface InferencePoolOptions {
  threads: number;
  backend: BackendPreference;
  warmupBatchSizes: number[];
  /** How much lower the threads' CPU priority is than the event loop's (nice increment). */
  niceIncrement: number;
  /** Folder of the .wasm binaries, when not the package's own. */
  wasmDir?: string | undefined;
  logger: Logger;
}

export interface SyncReport {
  /** Versions every thread holds, with the slowest thread's load time. */
  loaded: Map<string, { signature: Signature; loadMs: number }>;
  /** Versions some thread could not load, with the first reason. */
  errors: Map<string, string>;
}

// The worker runs from TypeScript sources in tests and `npm run dev`, from dist/ in production.
const fromSource = import.meta.url.endsWith('.ts');
const workerFile = new URL(`./inferenceWorker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
// How long a sync waits for every thread to load its models.
const SYNC_TIMEOUT_MS = 120_000;

/**
 * A fixed set of worker threads, each with its own TensorFlow.js backend and copy of every served
 * model, so inference never blocks the event loop that answers HTTP and probes.
 */
export class InferencePool {
  readonly threads: number;
  readonly #piscina: Piscina;
  readonly #logger: Logger;
  #backend: BackendChoice | undefined;

  constructor({
    threads,
    backend,
    warmupBatchSizes,
    niceIncrement,
    wasmDir,
    logger,
  }: InferencePoolOptions) {
    this.threads = threads;
    this.#logger = logger;
    const workerData: WorkerOptions = {
      preference: backend,
      wasmDir,
      warmupBatchSizes,
      niceIncrement,
    };
    this.#piscina = new Piscina({
      filename: workerFile.href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      workerData,
      ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
    });
    this.#piscina.on('error', (error: unknown) => {
      logger.error({ err: error }, 'inference worker failed outside a task; it is replaced');
    });
  }

  /** Waits until every thread has started its backend; the backend the threads chose. */
  async start(): Promise<BackendChoice> {
    await this.sync([]);
    return this.backend;
  }

  get backend(): BackendChoice {
    if (!this.#backend) throw new Error('the inference pool has not started');
    return this.#backend;
  }

  /** Runs one batch of `rows` instances; `input` is handed over to the worker, not copied. */
  predict(path: string, rows: number, input: Float32Array): Promise<PredictReply> {
    const task: PredictTask = { kind: 'predict', path, rows, input };
    return this.#piscina.run(task, {
      transferList: [input.buffer as ArrayBuffer],
    }) as Promise<PredictReply>;
  }

  /** Makes every thread hold exactly the model versions at `paths`, loaded and warm. */
  async sync(paths: string[]): Promise<SyncReport> {
    const task: SyncTask = {
      kind: 'sync',
      paths,
      barrier: new SharedArrayBuffer(4),
      parties: this.threads,
      timeoutMs: SYNC_TIMEOUT_MS,
    };
    const replies = (await Promise.all(
      Array.from({ length: this.threads }, () => this.#piscina.run(task)),
    )) as SyncReply[];
    this.#backend ??= replies[0]?.backend;
    if (replies.some((reply) => !reply.synchronized)) {
      // A thread died and was replaced meanwhile: it loads the models on its first request.
      this.#logger.warn(
        { threads: new Set(replies.map((reply) => reply.threadId)).size, expected: this.threads },
        'not every inference thread took part in the model sync',
      );
    }
    const report: SyncReport = { loaded: new Map(), errors: new Map() };
    for (const path of paths) {
      const error = replies.map((reply) => reply.errors[path]).find((e) => e !== undefined);
      const loads = replies.map((reply) => reply.loaded[path]);
      if (error !== undefined || loads.some((load) => load === undefined)) {
        report.errors.set(path, error ?? 'a thread did not load it');
        continue;
      }
      const first = loads[0]!;
      report.loaded.set(path, {
        signature: first.signature,
        loadMs: Math.max(...loads.map((load) => load!.loadMs)),
      });
    }
    return report;
  }

  /** Lets running tasks finish, then stops the threads. */
  async close(): Promise<void> {
    await this.#piscina.close();
  }
}
