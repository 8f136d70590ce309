import { OverloadedError } from '@taller/telemetry';
import type { InferenceMetrics } from '../metrics.js';
import type { InferencePool } from './inferencePool.js';

/** Which model version a request runs on; requests of one version share batches. */
export interface BatchTarget {
  path: string;
  model: string;
  version: number;
}

export interface PredictBatcherOptions {
  /** Instances per model call; one request larger than this runs alone. */
  maxBatchSize: number;
  /** How long the first waiting request may wait for others while a thread is free. */
  batchTimeoutMs: number;
  /** Requests allowed to wait; beyond it `predict` throws an OverloadedError (503, Retry-After). */
  maxQueuedRequests: number;
  metrics: InferenceMetrics;
}

interface Pending {
  rows: number;
  input: Float32Array;
  enqueuedAt: number;
  signal: AbortSignal | undefined;
  resolve: (output: Float32Array) => void;
  reject: (error: unknown) => void;
}

interface Queue {
  target: BatchTarget;
  items: Pending[];
  rows: number;
}

/**
 * Server-side micro-batching. A batch leaves as soon as it is full, or once its oldest request
 * has waited `batchTimeoutMs`, and only when a worker thread is free: while every thread is busy,
 * requests keep gathering, so batches grow with load and one model call serves many callers.
 */
export class PredictBatcher {
  readonly #pool: Pick<InferencePool, 'predict' | 'threads'>;
  readonly #options: PredictBatcherOptions;
  readonly #queues = new Map<string, Queue>();
  readonly #running = new Map<string, number>();
  #settledWaiters: { paths: string[]; resolve: () => void }[] = [];
  #queued = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;

  constructor(pool: Pick<InferencePool, 'predict' | 'threads'>, options: PredictBatcherOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** Requests waiting for a thread. */
  get queuedRequests(): number {
    return this.#queued;
  }

  /**
   * Predicts `rows` instances laid out back to back in `input`; resolves with their output rows.
   * A request whose `signal` aborts (its caller gave up: a gRPC deadline) before its batch leaves
   * is dropped from the batch and rejected with the signal's reason.
   */
  predict(
    target: BatchTarget,
    rows: number,
    input: Float32Array,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    if (this.#queued >= this.#options.maxQueuedRequests) {
      this.#options.metrics.rejected.inc({ model: target.model });
      return Promise.reject(new OverloadedError('the batch queue is full; retry later', 1));
    }
    return new Promise((resolve, reject) => {
      let queue = this.#queues.get(target.path);
      if (!queue) {
        queue = { target, items: [], rows: 0 };
        this.#queues.set(target.path, queue);
      }
      queue.items.push({ rows, input, enqueuedAt: performance.now(), signal, resolve, reject });
      queue.rows += rows;
      this.#queued += 1;
      this.#options.metrics.queueDepth.inc();
      this.#drain();
    });
  }

  /** Resolves once nothing of these versions is queued or running (before they are unloaded). */
  settled(paths: string[]): Promise<void> {
    if (this.#idle(paths)) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push({ paths, resolve }));
  }

  /** Resolves once every accepted request has its answer. */
  close(): Promise<void> {
    return this.settled([...new Set([...this.#queues.keys(), ...this.#running.keys()])]);
  }

  #drain(): void {
    const now = performance.now();
    while (this.#inFlight < this.#pool.threads) {
      const queue = this.#nextReady(now);
      if (!queue) break;
      this.#dispatch(queue, now);
    }
    this.#armTimer(now);
  }

  /** A queue with a full batch, else the one whose oldest request has waited long enough. */
  #nextReady(now: number): Queue | undefined {
    let oldest: Queue | undefined;
    for (const queue of this.#queues.values()) {
      if (queue.rows >= this.#options.maxBatchSize) return queue;
      if (!oldest || queue.items[0]!.enqueuedAt < oldest.items[0]!.enqueuedAt) oldest = queue;
    }
    if (oldest && now - oldest.items[0]!.enqueuedAt >= this.#options.batchTimeoutMs) return oldest;
    return undefined;
  }

  #armTimer(now: number): void {
    if (this.#inFlight >= this.#pool.threads || this.#queues.size === 0) return;
    let due = Infinity;
    for (const queue of this.#queues.values()) {
      due = Math.min(due, queue.items[0]!.enqueuedAt + this.#options.batchTimeoutMs);
    }
    if (this.#timer && this.#timerDue <= due) return;
    clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerDue = Infinity;
        this.#drain();
      },
      Math.max(0, due - now),
    );
  }

  #dispatch(queue: Queue, now: number): void {
    const { maxBatchSize, metrics } = this.#options;
    const batch: Pending[] = [];
    const expired: Pending[] = [];
    let rows = 0;
    while (queue.items.length > 0) {
      const next = queue.items[0]!;
      if (next.signal?.aborted) {
        expired.push(queue.items.shift()!);
        queue.rows -= next.rows;
        continue;
      }
      if (batch.length > 0 && rows + next.rows > maxBatchSize) break;
      batch.push(queue.items.shift()!);
      rows += next.rows;
    }
    queue.rows -= rows;
    if (queue.items.length === 0) this.#queues.delete(queue.target.path);
    this.#queued -= batch.length + expired.length;
    metrics.queueDepth.dec(batch.length + expired.length);
    for (const pending of expired) pending.reject(pending.signal!.reason);
    for (const pending of batch) metrics.queueWait.observe((now - pending.enqueuedAt) / 1000);
    if (batch.length === 0) {
      this.#wakeSettled();
      return;
    }

    const { path, model, version } = queue.target;
    metrics.batchSize.observe({ model }, rows);
    const input = batch.length === 1 ? batch[0]!.input : concat(batch);
    this.#inFlight += 1;
    this.#running.set(path, (this.#running.get(path) ?? 0) + 1);
    this.#pool
      .predict(path, rows, input)
      .then(
        ({ output, computeMs }) => {
          metrics.inferenceDuration.observe({ model }, computeMs / 1000);
          metrics.predictions.inc({ model, version: String(version) }, rows);
          const width = output.length / rows;
          let row = 0;
          for (const pending of batch) {
            pending.resolve(output.subarray(row * width, (row + pending.rows) * width));
            row += pending.rows;
          }
        },
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight -= 1;
        const running = (this.#running.get(path) ?? 1) - 1;
        if (running === 0) this.#running.delete(path);
        else this.#running.set(path, running);
        this.#wakeSettled();
        this.#drain();
      });
  }

  #idle(paths: string[]): boolean {
    return paths.every((path) => !this.#queues.has(path) && !this.#running.has(path));
  }

  #wakeSettled(): void {
    if (this.#settledWaiters.length === 0) return;
    const waiting = this.#settledWaiters;
    this.#settledWaiters = [];
    for (const waiter of waiting) {
      if (this.#idle(waiter.paths)) waiter.resolve();
      else this.#settledWaiters.push(waiter);
    }
  }
}

function concat(batch: Pending[]): Float32Array {
  const input = new Float32Array(batch.reduce((sum, pending) => sum + pending.input.length, 0));
  let offset = 0;
  for (const pending of batch) {
    input.set(pending.input, offset);
    offset += pending.input.length;
  }
  return input;
}
