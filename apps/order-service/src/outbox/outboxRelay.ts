import { ConfirmTimeoutError, publishConfirmed, UnroutableError } from '@taller/messaging';
import { databaseError } from '@taller/postgres';
import type { Logger } from '@taller/telemetry';
import type { ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import type { ServiceMetrics } from '../metrics.js';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  /** The current confirm channel, or undefined while the broker is unreachable. */
  channel: () => ConfirmChannel | undefined;
  exchange: string;
  batchSize: number;
  /**
   * Batches in flight at once. Each waits for the broker's confirms (tens of milliseconds when
   * the broker is busy writing); more than one keeps new orders from queuing behind them.
   */
  concurrency: number;
  pollIntervalMs: number;
  /**
   * Longest wait for the broker's confirms of a batch (a blocked broker never sends them); the
   * session holding the batch's locks is ended by the server a little later if this process stalls.
   */
  confirmTimeoutMs: number;
  retentionSeconds: number;
  logger: Logger;
  metrics: Pick<ServiceMetrics, 'ordersPublished' | 'outboxPublishFailures'>;
}

/** What one batch did, which decides how soon the next one runs. */
export type BatchOutcome = 'empty' | 'partial' | 'full' | 'blocked';

interface OutboxRow {
  id: string;
  message_id: string;
  routing_key: string;
  body: string;
}

/**
 * Marks confirmed rows sent on the batch's own connection, in as few statements as the confirms
 * allow: one mark at a time, each taking every confirm that arrived while the previous one ran.
 */
class SentMarks {
  readonly #pending: string[] = [];
  #running: Promise<void> | undefined;
  #error: Error | undefined;
  marked = 0;

  constructor(
    private readonly claim: pg.PoolClient,
    private readonly published: ServiceMetrics['ordersPublished'],
  ) {}

  add(id: string): void {
    this.#pending.push(id);
    this.#running ??= this.#markPending().finally(() => (this.#running = undefined));
  }

  /** Resolves once every confirmed row is marked; rejects if a mark failed (those rows are sent again). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
    if (this.#error !== undefined) throw this.#error;
  }

  async #markPending(): Promise<void> {
    while (this.#pending.length > 0 && this.#error === undefined) {
      const ids = this.#pending.splice(0);
      try {
        // Losing a mark in a database crash only publishes those rows again, so the mark's
        // commit need not wait for the disk (synchronous_commit off for this statement).
        await this.claim.query(
          `UPDATE outbox SET sent_at = clock_timestamp()
           FROM (SELECT set_config('synchronous_commit', 'off', true)) AS this_transaction
           WHERE id = ANY($1::bigint[])`,
          [ids],
        );
        this.marked += ids.length;
        this.published.inc(ids.length);
      } catch (error) {
        this.#error = error instanceof Error ? error : new Error(String(error));
      }
    }
  }
}

const PURGE_EVERY_MS = 60_000;
const DISCONNECTED_CHECK_MS = 100;
const MAX_BACKOFF_MS = 10_000;

function failureReason(error: unknown): string {
  if (error instanceof UnroutableError) return 'unroutable';
  if (error instanceof ConfirmTimeoutError) return 'confirm_timeout';
  if (error instanceof Error && /nack/i.test(error.message)) return 'nacked';
  return 'channel_closed';
}

/**
 * Publishes outbox rows to the broker. Each batch locks its rows (skipping those locked by
 * others), so replicas (and the concurrent batches of one replica) share the work without
 * publishing a row twice while healthy; a row is marked sent as soon as the broker confirmed its
 * message. A crash between confirm and mark publishes the row again: delivery is at least once
 * (and in no guaranteed order) and consumers are idempotent. A new order wakes an
 * idle batch loop at once (`nudge`); polling covers the rest (other replicas' rows, rows left by
 * a crash or an outage).
 */
export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  #stopped = false;
  #nudged = false;
  readonly #waiters = new Set<{ wake: () => void; onNudge: boolean }>();
  #loops: Promise<void>[] = [];
  #lastPurge = -Infinity;
  // While the broker refuses outbox messages (no worker has declared its queue yet, say), every
  // poll fails the same way: this episode is logged when it starts and when it ends.
  #refusing: { since: number; failedPublishes: number } | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#loops.length > 0) return;
    this.#loops = Array.from({ length: this.#options.concurrency }, () => this.#run());
  }

  /** Something was written to the outbox: publish now rather than at the next poll. */
  nudge(): void {
    this.#nudged = true;
    for (const waiter of this.#waiters) {
      if (!waiter.onNudge) continue;
      waiter.wake(); // one idle loop is enough: it takes every row committed so far
      return;
    }
  }

  /** Finishes the batches in progress, then stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const waiter of this.#waiters) waiter.wake();
    await Promise.all(this.#loops);
  }

  /** Publishes up to one batch of unsent rows and marks each sent as soon as it is confirmed. */
  async relayBatch(): Promise<BatchOutcome> {
    const { pool, batchSize, metrics, logger } = this.#options;
    const channel = this.#options.channel();
    if (!channel) return 'blocked';
    this.#nudged = false; // this batch sees every row committed before now
    // The claim: the session holding the batch's locks, until every confirm is in and marked.
    const claim = await pool.connect();
    let batch: { selected: number; sent: number; failures: unknown[] };
    try {
      batch = await this.#publishBatch(claim, channel);
    } catch (error) {
      claim.release(true); // ending the session frees its locks; its state is unknown
      throw error;
    }
    claim.release();
    if (batch.failures.length > 0) {
      for (const failure of batch.failures)
        metrics.outboxPublishFailures.inc({ reason: failureReason(failure) });
      if (this.#refusing) {
        this.#refusing.failedPublishes += batch.failures.length;
      } else {
        this.#refusing = { since: performance.now(), failedPublishes: batch.failures.length };
        logger.warn(
          { err: batch.failures[0], failed: batch.failures.length, sent: batch.sent },
          'the broker did not take some outbox messages; they stay in the outbox',
        );
      }
      return 'blocked';
    }
    if (this.#refusing && batch.sent > 0) {
      const { since, failedPublishes } = this.#refusing;
      this.#refusing = undefined;
      logger.info(
        { failedPublishes, durationMs: Math.round(performance.now() - since) },
        'the broker takes outbox messages again',
      );
    }
    if (batch.selected === 0) return 'empty';
    return batch.selected === batchSize ? 'full' : 'partial';
  }

  /**
   * Claims up to a batch of unsent rows with session-level advisory locks (not row locks, which
   * would keep its own marks waiting until a transaction ended), publishes them, and marks each
   * one sent as soon as its confirm arrives, on the same connection. A crash therefore repeats
   * only the rows still waiting for their confirm (and those of a mark in progress): the server
   * ends the dead process's session, and its locks with it.
   */
  async #publishBatch(claim: pg.PoolClient, channel: ConfirmChannel) {
    const { exchange, batchSize, confirmTimeoutMs } = this.#options;
    // The index scan in id order (no seq scan and sort, no bitmap scan) tries the lock only on
    // the rows it returns, and marks index entries of rows already sent as dead the first time
    // it meets them, so a busy outbox stays cheap to read between two vacuums. If this process
    // stalls while it holds the locks, the server ends its session shortly after the confirms
    // would have timed out.
    await claim.query(
      `SET idle_session_timeout = ${confirmTimeoutMs + 5000};
       BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`,
    );
    const locked = await claim.query<{ id: string }>(
      `SELECT id FROM outbox WHERE sent_at IS NULL AND pg_try_advisory_lock(id)
       ORDER BY id LIMIT $1`,
      [batchSize],
    );
    // Read again with a new snapshot: a row another batch marked sent and unlocked while the
    // first statement ran was still unsent in that statement's snapshot.
    const { rows } = await claim.query<OutboxRow>(
      `SELECT id, message_id, routing_key, payload::text AS body FROM outbox
       WHERE id = ANY($1::bigint[]) AND sent_at IS NULL ORDER BY id`,
      [locked.rows.map((row) => row.id)],
    );
    await claim.query('COMMIT');
    const marks = new SentMarks(claim, this.#options.metrics.ordersPublished);
    const timestamp = Math.floor(Date.now() / 1000);
    const confirms = await Promise.allSettled(
      rows.map(async (row) => {
        await publishConfirmed(channel, exchange, row.routing_key, Buffer.from(row.body), {
          messageId: row.message_id,
          type: row.routing_key,
          contentType: 'application/json',
          appId: 'order-service',
          timestamp,
          confirmTimeoutMs,
        });
        marks.add(row.id);
      }),
    );
    await marks.settled();
    await claim.query('SELECT pg_advisory_unlock_all(); RESET idle_session_timeout');
    const failures = confirms.flatMap((confirm): unknown[] =>
      confirm.status === 'rejected' ? [confirm.reason] : [],
    );
    return { selected: rows.length, sent: marks.marked, failures };
  }

  async #run(): Promise<void> {
    const { logger, pollIntervalMs } = this.#options;
    let failures = 0;
    while (!this.#stopped) {
      let outcome: BatchOutcome;
      try {
        outcome = await this.relayBatch();
        failures = 0;
      } catch (error) {
        failures += 1;
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures);
        logger.warn({ err: databaseError(error), retryInMs: delay }, 'outbox relay batch failed');
        await this.#sleep(delay, false);
        continue;
      }
      if (outcome === 'full') continue;
      if (outcome === 'blocked') {
        // Disconnected: check again soon (cheap, no database). Refused by the broker: wait a poll.
        await this.#sleep(this.#options.channel() ? pollIntervalMs : DISCONNECTED_CHECK_MS, false);
        continue;
      }
      await this.#purgeSent();
      await this.#sleep(pollIntervalMs, true);
    }
  }

  /** Deletes sent rows older than the retention, a bounded chunk at a time. */
  async #purgeSent(): Promise<void> {
    if (performance.now() - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = performance.now();
    try {
      await this.#options.pool.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE sent_at < now() - make_interval(secs => $1)
           ORDER BY sent_at LIMIT 10000)`,
        [this.#options.retentionSeconds],
      );
    } catch (error) {
      this.#options.logger.warn({ err: databaseError(error) }, 'could not purge sent outbox rows');
    }
  }

  /** Waits `ms`, or less when stopped (or nudged, with `onNudge`). */
  async #sleep(ms: number, onNudge: boolean): Promise<void> {
    if (this.#stopped || (onNudge && this.#nudged)) return;
    await new Promise<void>((resolve) => {
      const waiter = {
        onNudge,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      this.#waiters.add(waiter);
    });
  }
}
