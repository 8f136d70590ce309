import type { DependencyCheck } from '@taller/health';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/**
 * What readiness checks: PostgreSQL is critical (no data, no service; the query also fails until
 * the migrations have run), Redis is not (the app serves from PostgreSQL without it).
 */
export function dependencyChecks(pool: pg.Pool, redis: Redis): DependencyCheck[] {
  return [
    { name: 'postgres', timeoutMs: 2000, check: () => pool.query('SELECT 1 FROM tasks LIMIT 0') },
    { name: 'redis', timeoutMs: 500, critical: false, check: () => redis.ping() },
  ];
}
