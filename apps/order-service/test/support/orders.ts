import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/** A valid order body; `n` varies the items so orders differ. */
export function orderBody(n: number) {
  return {
    customerId: `customer-${n % 7}`,
    items: [
      { sku: `SKU-${n % 13}`, quantity: 1 + (n % 5) },
      { sku: `SKU-${(n * 7) % 17}`, quantity: 1 + (n % 3) },
    ],
  };
}

export async function postOrder(baseUrl: string, body: unknown, idempotencyKey?: string) {
  const response = await fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(idempotencyKey && { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

export interface Submission {
  /** Orders accepted so far (202), by idempotency key. */
  accepted: Map<string, string>;
  /** Resolves when every order has been accepted. */
  done: Promise<void>;
}

/**
 * Submits at least `count` orders (more while `keepGoing` says so) the way a careful client
 * does: each with its own Idempotency-Key, retried with the same key on a network error or a
 * 5xx until it is accepted (202).
 */
export function submitOrders(
  baseUrl: string,
  {
    count,
    keyPrefix,
    concurrency = 4,
    pauseMs = 0,
    deadlineMs = 90_000,
    keepGoing = () => false,
  }: {
    count: number;
    keyPrefix: string;
    concurrency?: number;
    pauseMs?: number;
    deadlineMs?: number;
    keepGoing?: () => boolean;
  },
): Submission {
  const accepted = new Map<string, string>();
  const deadline = Date.now() + deadlineMs;
  let next = 0;
  const submitOne = async (n: number) => {
    const key = `${keyPrefix}-${n}`;
    for (;;) {
      try {
        const { status, body } = await postOrder(baseUrl, orderBody(n), key);
        if (status === 202) {
          accepted.set(key, body.id as string);
          return;
        }
        if (status < 500)
          throw new Error(`order ${key} rejected with ${status}: ${JSON.stringify(body)}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('order ')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`order ${key} was never accepted`);
      await sleep(100);
    }
  };
  const lane = async () => {
    while (next < count || keepGoing()) {
      await submitOne(next++);
      if (pauseMs > 0) await sleep(pauseMs);
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, lane)).then(() => undefined);
  return { accepted, done };
}

/** Orders of one submission (by key prefix) per status, and the outbox rows still unsent. */
export async function progress(pool: pg.Pool, keyPrefix: string) {
  const { rows } = await pool.query<{ total: number; processed: number; unsent: number }>(
    `SELECT count(*)::int AS total,
            (count(*) FILTER (WHERE status = 'processed'))::int AS processed,
            (SELECT count(*)::int FROM outbox WHERE sent_at IS NULL) AS unsent
     FROM orders WHERE idempotency_key LIKE $1 || '-%'`,
    [keyPrefix],
  );
  return rows[0]!;
}
