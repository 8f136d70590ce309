import type { DependencyCheck } from '@taller/health';
import type pg from 'pg';

/**
 * What readiness checks: PostgreSQL is critical, and its check reads the app's own tables, so it
 * also fails until the migrations have run. The broker is not: orders are still accepted while it
 * is away (the outbox keeps them), so its outage degrades readiness instead of taking every
 * replica out of service.
 */
export function dependencyChecks(
  pool: pg.Pool,
  broker: { readonly connected: boolean },
): DependencyCheck[] {
  return [
    {
      name: 'database',
      timeoutMs: 2000,
      check: () => pool.query('SELECT 1 FROM orders, outbox LIMIT 0'),
    },
    {
      name: 'broker',
      critical: false,
      check: async () => {
        if (!broker.connected) throw new Error('not connected to RabbitMQ');
      },
    },
  ];
}
