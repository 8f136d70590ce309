import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/** `db_pool_connections{state}`: total, idle, and requests waiting for a connection. */
export function registerPoolMetrics(registry: Registry, pool: pg.Pool): void {
  const gauge: Gauge<'state'> = new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle) and queued requests (waiting).',
    labelNames: ['state'],
    registers: [registry],
    collect: () => {
      gauge.set({ state: 'total' }, pool.totalCount);
      gauge.set({ state: 'idle' }, pool.idleCount);
      gauge.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
}
