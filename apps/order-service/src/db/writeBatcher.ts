import { OverloadedError } from '@taller/telemetry';

export interface WriteBatcherOptions {
  /** Largest batch written in one statement. */
  maxBatch: number;
  /** Batches written at once (each holds one pooled connection). */
  maxConcurrent: number;
  /** Writes allowed to wait; more are refused with an OverloadedError (503, Retry-After). */
  maxQueued: number;
  /**
   * When a batch fails with an error this says is about one row rather than the database
   * (a constraint, a bad value), its rows are queued again one by one, so one bad row fails alone.
   */
  splitOnError?: (error: unknown) => boolean;
}

interface Pending<In, Out> {
  item: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
  /** A row of a split batch: written in a batch of its own. */
  alone?: boolean;
}

/**
 * Groups concurrent single-row writes into multi-row statements: one round trip and one commit
 * (one WAL flush) for many rows. A write waits for no timer: whatever arrived in the same tick
 * goes at once, and while `maxConcurrent` batches are in flight new writes queue and leave
 * together in the next batch. Idle, it adds no latency; under load, batches grow by themselves,
 * and past `maxQueued` waiting writes the caller is told to come back rather than queue for good.
 * `write` must return one result per item, in order.
 */
export class WriteBatcher<In, Out> {
  // Rows of split batches first (each alone), then new writes in arrival order.
  readonly #queue: Pending<In, Out>[] = [];
  #running = 0;
  #scheduled = false;

  constructor(
    private readonly write: (items: In[]) => Promise<Out[]>,
    private readonly options: WriteBatcherOptions,
  ) {}

  submit(item: In): Promise<Out> {
    if (this.#queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new OverloadedError('Too many writes are waiting for the database; retry shortly', 1),
      );
    }
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.options.maxConcurrent) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#queue.length > 0 && this.#running < this.options.maxConcurrent) {
      const batch = this.#queue.splice(0, this.#queue[0]!.alone ? 1 : this.options.maxBatch);
      this.#running += 1;
      void this.#flush(batch).finally(() => {
        this.#running -= 1;
        if (this.#queue.length > 0) this.#schedule();
      });
    }
  }

  async #flush(batch: Pending<In, Out>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((pending) => pending.item));
      batch.forEach((pending, i) => pending.resolve(results[i]!));
    } catch (error) {
      if (batch.length > 1 && this.options.splitOnError?.(error)) {
        this.#queue.unshift(...batch.map((pending) => ({ ...pending, alone: true })));
      } else {
        for (const pending of batch) pending.reject(error);
      }
    }
  }
}
