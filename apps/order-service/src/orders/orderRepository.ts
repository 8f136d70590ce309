import type pg from 'pg';
import { isDatabaseUnavailable } from '@taller/postgres';
import { WriteBatcher } from '../db/writeBatcher.js';

export type OrderStatus = 'pending' | 'processed' | 'failed';
export type FinalStatus = Exclude<OrderStatus, 'pending'>;

export interface OrderItem {
  sku: string;
  quantity: number;
}

export interface Order {
  id: string;
  customerId: string;
  items: OrderItem[];
  status: OrderStatus;
  /** The worker's result once final: totals when processed, the reason when failed. */
  result: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
  processedAt: Date | null;
}

export interface StoredOrder extends Order {
  /** Insertion order, the listing's keyset. */
  seq: string;
  requestHash: string;
}

export interface NewOrderRow {
  id: string;
  customerId: string;
  items: OrderItem[];
  idempotencyKey: string | null;
  requestHash: string;
  createdAt: Date;
  message: { id: string; routingKey: string; body: string };
}

/** What applying a result event did: the outcomes other than `applied` change nothing. */
export type ResultOutcome = 'applied' | 'duplicate' | 'conflict' | 'unknown_order';

interface OrderRow {
  id: string;
  seq: string;
  customer_id: string;
  items: OrderItem[];
  status: OrderStatus;
  result: Record<string, unknown> | null;
  request_hash: string;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
}

const COLUMNS =
  'id, seq, customer_id, items, status, result, request_hash, created_at, updated_at, processed_at';

function toOrder(row: OrderRow): StoredOrder {
  return {
    id: row.id,
    seq: row.seq,
    customerId: row.customer_id,
    items: row.items,
    status: row.status,
    result: row.result,
    requestHash: row.request_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    processedAt: row.processed_at,
  };
}

/** A result event to store: the final status of one order. */
export interface ResultUpdate {
  id: string;
  status: FinalStatus;
  result: Record<string, unknown>;
  processedAt: Date;
}

export interface RepositoryOptions {
  /** Concurrent inserts (and result updates) are written together, up to this many rows. */
  maxBatch: number;
  /** Batches of each kind written at once. */
  maxConcurrentBatches: number;
  /** Writes of each kind allowed to wait; more are refused (OverloadedError). */
  maxQueued: number;
}

/**
 * SQL for orders and, in the same statement as each new order, its outbox row. Inserts and
 * result updates from concurrent requests and messages are batched into multi-row statements
 * (see WriteBatcher): each caller still gets its own row's outcome.
 */
export class OrderRepository {
  readonly #inserts: WriteBatcher<NewOrderRow, StoredOrder | undefined>;
  readonly #results: WriteBatcher<ResultUpdate, { outcome: ResultOutcome; createdAt?: Date }>;

  constructor(
    private readonly pool: pg.Pool,
    options: RepositoryOptions = { maxBatch: 100, maxConcurrentBatches: 4, maxQueued: 2000 },
  ) {
    const batching = {
      maxBatch: options.maxBatch,
      maxConcurrent: options.maxConcurrentBatches,
      maxQueued: options.maxQueued,
      splitOnError: (error: unknown) => !isDatabaseUnavailable(error),
    };
    this.#inserts = new WriteBatcher((rows) => this.#insertMany(rows), batching);
    this.#results = new WriteBatcher((updates) => this.#applyMany(updates), batching);
  }

  /**
   * Inserts the order and its order.created outbox row in one statement, so in one transaction:
   * both or neither. Returns undefined when the id or the idempotency key already exists (the
   * unique index makes a concurrent insert with the same key wait for the first to commit, then
   * do nothing).
   */
  insert(row: NewOrderRow): Promise<StoredOrder | undefined> {
    return this.#inserts.submit(row);
  }

  /**
   * Moves a pending order to its final status. A final status never changes again, so a
   * repeated event is a `duplicate` (same result) or a `conflict` (a different one, which is
   * kept out and reported), never a second transition.
   */
  applyResult(update: ResultUpdate): Promise<{ outcome: ResultOutcome; createdAt?: Date }> {
    return this.#results.submit(update);
  }

  async #insertMany(rows: NewOrderRow[]): Promise<(StoredOrder | undefined)[]> {
    const { rows: inserted } = await this.pool.query<OrderRow>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::text[],
                              $6::timestamptz[], $7::uuid[], $8::text[], $9::json[])
           AS t(id, customer_id, items, idempotency_key, request_hash, created_at,
                message_id, routing_key, payload)
       ), inserted AS (
         INSERT INTO orders (id, customer_id, items, idempotency_key, request_hash, created_at, updated_at)
         SELECT id, customer_id, items, idempotency_key, request_hash, created_at, created_at FROM input
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}
       ), queued AS (
         INSERT INTO outbox (message_id, routing_key, payload, created_at)
         SELECT input.message_id, input.routing_key, input.payload, input.created_at
         FROM input JOIN inserted USING (id)
       )
       SELECT ${COLUMNS} FROM inserted`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.customerId),
        rows.map((row) => JSON.stringify(row.items)),
        rows.map((row) => row.idempotencyKey),
        rows.map((row) => row.requestHash),
        rows.map((row) => row.createdAt),
        rows.map((row) => row.message.id),
        rows.map((row) => row.message.routingKey),
        rows.map((row) => row.message.body),
      ],
    );
    const byId = new Map(inserted.map((row) => [row.id, toOrder(row)]));
    return rows.map((row) => byId.get(row.id));
  }

  async #applyMany(
    updates: ResultUpdate[],
  ): Promise<{ outcome: ResultOutcome; createdAt?: Date }[]> {
    // One update per order per statement: the first result for an order in the batch wins, the
    // others are judged against it below, like results arriving later.
    const first = new Map<string, number>();
    updates.forEach((update, i) => first.has(update.id) || first.set(update.id, i));
    const candidates = [...first.values()].map((i) => updates[i]!);
    const { rows: applied } = await this.pool.query<{ id: string; created_at: Date }>(
      `UPDATE orders SET status = input.status, result = input.result,
                         processed_at = input.processed_at, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::timestamptz[])
         AS input(id, status, result, processed_at)
       WHERE orders.id = input.id AND orders.status = 'pending'
       RETURNING orders.id, orders.created_at`,
      [
        candidates.map((update) => update.id),
        candidates.map((update) => update.status),
        candidates.map((update) => JSON.stringify(update.result)),
        candidates.map((update) => update.processedAt),
      ],
    );
    const appliedAt = new Map(applied.map((row) => [row.id, row.created_at]));
    const outcomes: ({ outcome: ResultOutcome; createdAt?: Date } | undefined)[] = updates.map(
      (update, i) =>
        first.get(update.id) === i && appliedAt.has(update.id)
          ? { outcome: 'applied', createdAt: appliedAt.get(update.id)! }
          : undefined,
    );
    const rest = updates.flatMap((update, i) => (outcomes[i] ? [] : [{ update, i }]));
    if (rest.length > 0) {
      // Not pending (or absent): read them again in a new snapshot, after any concurrent update.
      const { rows } = await this.pool.query<{
        n: number;
        status: OrderStatus | null;
        same: boolean | null;
      }>(
        `SELECT input.n::int AS n, orders.status, orders.result = input.result AS same
         FROM unnest($1::uuid[], $2::jsonb[]) WITH ORDINALITY AS input(id, result, n)
         LEFT JOIN orders USING (id)`,
        [
          rest.map(({ update }) => update.id),
          rest.map(({ update }) => JSON.stringify(update.result)),
        ],
      );
      for (const row of rows) {
        const { update, i } = rest[row.n - 1]!;
        outcomes[i] = {
          outcome:
            row.status === null
              ? 'unknown_order'
              : row.status === update.status && row.same
                ? 'duplicate'
                : 'conflict',
        };
      }
    }
    return outcomes.map((outcome) => outcome!);
  }

  async findById(id: string): Promise<StoredOrder | undefined> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders WHERE id = $1`,
      [id],
    );
    return rows[0] && toOrder(rows[0]);
  }

  async findByIdempotencyKey(key: string): Promise<StoredOrder | undefined> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0] && toOrder(rows[0]);
  }

  /** Newest first; `before` is the `seq` of the last order of the previous page. */
  async list(options: {
    status?: OrderStatus;
    before?: string;
    limit: number;
  }): Promise<StoredOrder[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (options.status) {
      values.push(options.status);
      conditions.push(`status = $${values.length}`);
    }
    if (options.before) {
      values.push(options.before);
      conditions.push(`seq < $${values.length}`);
    }
    values.push(options.limit);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders ${where} ORDER BY seq DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map(toOrder);
  }
}
