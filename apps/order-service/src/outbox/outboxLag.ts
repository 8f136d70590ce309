import { databaseError } from '@taller/postgres';
import type { Logger } from '@taller/telemetry';
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

// One query serves both gauges of a scrape (prom-client collects them concurrently).
const FRESH_MS = 1000;

/**
 * `order_service_outbox_pending_messages` and `order_service_outbox_oldest_pending_age_seconds`, read from the database at
 * scrape time: how far publishing lags behind accepted orders, whatever replica wrote them.
 */
export function registerOutboxLagMetrics(registry: Registry, pool: pg.Pool, logger: Logger): void {
  let last = { pending: 0, oldestAgeSeconds: 0 };
  let reading: { at: number; done: Promise<typeof last> } | undefined;
  const read = () => {
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
  new Gauge({
    name: 'order_service_outbox_pending_messages',
    help: 'Outbox messages not yet confirmed by the broker.',
    registers: [registry],
    async collect() {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'order_service_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox message not yet confirmed by the broker (0 when none).',
    registers: [registry],
    async collect() {
      this.set((await read()).oldestAgeSeconds);
    },
  });
}
