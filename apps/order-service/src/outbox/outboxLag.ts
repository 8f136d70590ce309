import { databaseError } from '@taller/postgres';
import type { Logger } from '@taller/telemetry';
import type pg from 'pg';

export interface OutboxLag {
  /** Outbox messages not yet confirmed by the broker. */
  pending: number;
  /** Age of the oldest of them (0 when none). */
  oldestAgeSeconds: number;
}

// One query serves both gauges of a scrape (prom-client collects them concurrently).
const FRESH_MS = 1000;

/**
 * Reads how far publishing lags behind accepted orders, whatever replica wrote them; a reading
 * is reused for a second, and a failed one reports the last value.
 */
export function outboxLagReader(pool: pg.Pool, logger: Logger): () => Promise<OutboxLag> {
  let last: OutboxLag = { pending: 0, oldestAgeSeconds: 0 };
  let reading: { at: number; done: Promise<OutboxLag> } | undefined;
  return () => {
    if (reading && performance.now() - reading.at < FRESH_MS) return reading.done;
    const done = pool
      .query<{ pending: number; oldest: number }>(
        `SELECT count(*)::int AS pending,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest
         FROM outbox WHERE sent_at IS NULL`,
      )
      .then(({ rows }) => {
        last = {
          pending: rows[0]?.pending ?? 0,
          oldestAgeSeconds: Math.max(0, rows[0]?.oldest ?? 0),
        };
        return last;
      })
      .catch((error: unknown) => {
        logger.warn(
          { err: databaseError(error) },
          'could not read the outbox lag; reporting the last value',
        );
        return last;
      });
    reading = { at: performance.now(), done };
    return done;
  };
}
