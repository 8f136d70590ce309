import type pg from 'pg';

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

/** SQL for orders and, in the same statement as a new order, its outbox row. */
export class OrderRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Inserts the order and its order.created outbox row in one statement, so in one transaction:
   * both or neither. Returns undefined when the id or the idempotency key already exists (the
   * unique index makes a concurrent insert with the same key wait for the first to commit, then
   * do nothing).
   */
  async insert(row: NewOrderRow): Promise<StoredOrder | undefined> {
    const { rows } = await this.pool.query<OrderRow>(
      `WITH inserted AS (
         INSERT INTO orders (id, customer_id, items, idempotency_key, request_hash, created_at, updated_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $6)
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}
       ), queued AS (
         INSERT INTO outbox (message_id, routing_key, payload, created_at)
         SELECT $7, $8, $9::json, $6 FROM inserted
       )
       SELECT ${COLUMNS} FROM inserted`,
      [
        row.id,
        row.customerId,
        JSON.stringify(row.items),
        row.idempotencyKey,
        row.requestHash,
        row.createdAt,
        row.message.id,
        row.message.routingKey,
        row.message.body,
      ],
    );
    return rows[0] && toOrder(rows[0]);
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

  /**
   * Moves a pending order to its final status. A final status never changes again, so a
   * repeated event is a `duplicate` (same result) or a `conflict` (a different one, which is
   * kept out and reported), never a second transition.
   */
  async applyResult(
    id: string,
    status: FinalStatus,
    result: Record<string, unknown>,
    processedAt: Date,
  ): Promise<{ outcome: ResultOutcome; createdAt?: Date }> {
    const resultJson = JSON.stringify(result);
    const updated = await this.pool.query<{ created_at: Date }>(
      `UPDATE orders SET status = $2, result = $3::jsonb, processed_at = $4, updated_at = now()
       WHERE id = $1 AND status = 'pending'
       RETURNING created_at`,
      [id, status, resultJson, processedAt],
    );
    if (updated.rows[0]) return { outcome: 'applied', createdAt: updated.rows[0].created_at };
    // Not pending (or absent): read it again in a new snapshot, after any concurrent update.
    const { rows } = await this.pool.query<{ status: OrderStatus; same: boolean }>(
      `SELECT status, result = $2::jsonb AS same FROM orders WHERE id = $1`,
      [id, resultJson],
    );
    const current = rows[0];
    if (!current) return { outcome: 'unknown_order' };
    return { outcome: current.status === status && current.same ? 'duplicate' : 'conflict' };
  }
}
