// The pool against a real PostgreSQL: named, bounded, and still alive after the server drops
// its connections (an idle one, or one checked out between two queries).
import { createTestDatabase, uniqueName, type TestDatabase } from '@taller/testing';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPool, databaseError, databaseSettings, registerPoolMetrics } from '../src/index.js';
import { capturingLogger } from './support.js';

let database: TestDatabase;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  database = await createTestDatabase('postgres_pool');
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await database?.drop();
});

function poolFor(env: Record<string, string> = {}) {
  const settings = z
    .object(databaseSettings({ database: 'unused' }))
    .parse({ DATABASE_URL: database.url, ...env });
  const { logger, lines } = capturingLogger();
  const applicationName = uniqueName('pool_test');
  const pool = createPool(settings, { applicationName, logger });
  pools.push(pool);
  return { pool, lines, applicationName };
}

/** Ends a server process (a backend) from another connection, as a restart or failover would. */
async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('createPool', () => {
  it('names its connections and bounds every statement on the server', async () => {
    const { pool, applicationName } = poolFor({ DATABASE_STATEMENT_TIMEOUT_MS: '200' });
    const { rows } = await pool.query<{ name: string; timeout: string }>(
      `SELECT current_setting('application_name') AS name,
              current_setting('statement_timeout') AS timeout`,
    );
    expect(rows).toEqual([{ name: applicationName, timeout: '200ms' }]);
    await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
  });

  it('fails fast when every connection is taken', async () => {
    const { pool } = poolFor({ DATABASE_POOL_MAX: '1', DATABASE_CONNECT_TIMEOUT_MS: '100' });
    const held = await pool.connect();
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/);
    } finally {
      held.release();
    }
  });

  it('survives a checked-out connection dropped between two queries, and logs it briefly', async () => {
    const { pool, lines } = poolFor();
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Nothing of pg's own listens on a checked-out client: only the pool's permanent listener
    // keeps this 'error' event from crashing the process (and failing this test run).
    const ended = new Promise((resolve) => client.once('end', resolve));
    await terminate(rows[0]!.pid);
    await ended;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);

    const logged = lines.find((line) => line.msg === 'database connection failed');
    expect(logged).toMatchObject({ level: 'debug', err: { code: '57P01' } });
    // The message and code, not pg's client object nor a stack trace.
    expect(logged!.err).toMatchObject({ type: 'Object', stack: '' });
    expect(logged!.err).not.toHaveProperty('client');
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('drops an idle connection that breaks, warns, and serves from a new one', async () => {
    const { pool, lines } = poolFor({ DATABASE_POOL_MAX: '1' });
    const first = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const removed = new Promise((resolve) => pool.once('remove', resolve));
    await terminate(first.rows[0]!.pid);
    await removed;

    expect(lines.find((line) => line.msg === 'idle database connection failed')).toMatchObject({
      level: 'warn',
      err: { code: '57P01' },
    });
    const second = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(second.rows[0]!.pid).not.toBe(first.rows[0]!.pid);
  });
});

describe('databaseError', () => {
  it('keeps the message and code of an error, nothing else', () => {
    const error = Object.assign(new Error('relation "nope" does not exist'), {
      code: '42P01',
      client: { password: 'secret', types: {} },
    });
    expect(databaseError(error)).toEqual({
      message: 'relation "nope" does not exist',
      code: '42P01',
    });
    expect(databaseError('plain')).toEqual({ message: 'plain' });
  });
});

describe('registerPoolMetrics', () => {
  it('reports connections in use, idle and requests waiting when scraped', async () => {
    const { pool } = poolFor({ DATABASE_POOL_MAX: '1' });
    const registry = new Registry();
    registerPoolMetrics(registry, pool);
    const client = await pool.connect();
    const waiting = pool.query('SELECT 1');
    const series = async (): Promise<Record<string, number>> => {
      const { values } = await registry.getSingleMetric('db_pool_connections')!.get();
      return Object.fromEntries(values.map((v) => [String(v.labels.state), v.value]));
    };
    expect(await series()).toEqual({ total: 1, idle: 0, waiting: 1 });
    client.release();
    await waiting;
    expect(await series()).toEqual({ total: 1, idle: 1, waiting: 0 });
  });
});
