// The shared classifier against errors that a real PostgreSQL (or its absence) produces.
import { createTestDatabase, type TestDatabase } from '@taller/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDatabaseError, databaseApiError } from '../src/index.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('postgres_errors');
});

afterAll(async () => {
  await database?.drop();
});

/** What a query over a new connection threw; the URL is changed first when `change` is given. */
async function failure(sql: string, change?: (url: URL) => void): Promise<unknown> {
  const url = new URL(database.url);
  change?.(url);
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => {});
  }
  throw new Error(`expected ${sql} to fail`);
}

describe('classifyDatabaseError', () => {
  it.each([
    ['a statement timeout (57014)', "SET statement_timeout = '50ms'; SELECT pg_sleep(5)"],
    ['the backend terminated (57P01)', 'SELECT pg_terminate_backend(pg_backend_pid())'],
  ])('%s is unavailable', async (_, sql) => {
    expect(classifyDatabaseError(await failure(sql))).toBe('unavailable');
  });

  it.each<[string, (url: URL) => void]>([
    [
      'a role that does not exist (28P01)',
      (url) => {
        url.username = 'no_such_role';
        url.password = 'not-a-password';
      },
    ],
    ['a database that does not exist (3D000)', (url) => (url.pathname = '/no_such_database')],
    ['nothing listening (ECONNREFUSED)', (url) => (url.port = '9')],
  ])('%s is unavailable', async (_, change) => {
    expect(classifyDatabaseError(await failure('SELECT 1', change))).toBe('unavailable');
  });

  it.each([
    ['a timestamp out of range (22008)', "SELECT '0000-01-01T00:00:00Z'::timestamptz"],
    [
      'a value too long (22001)',
      "CREATE TEMP TABLE t (v varchar(2)); INSERT INTO t VALUES ('abc')",
    ],
    [
      'a unique violation (23505)',
      'CREATE TEMP TABLE u (v int PRIMARY KEY); INSERT INTO u VALUES (1), (1)',
    ],
  ])('%s is rejected', async (_, sql) => {
    expect(classifyDatabaseError(await failure(sql))).toBe('rejected');
  });

  it('a statement the app got wrong (42601, 42P01) and anything not an error are defects', async () => {
    expect(classifyDatabaseError(await failure('SELEC 1'))).toBe('defect');
    expect(classifyDatabaseError(await failure('SELECT * FROM no_such_table'))).toBe('defect');
    expect(classifyDatabaseError(new Error('something else'))).toBe('defect');
    expect(classifyDatabaseError('a string')).toBe('defect');
  });
});

describe('databaseApiError', () => {
  it('answers an outage with 503 and Retry-After, a refused value with 400, a defect not at all', async () => {
    const outage = await failure("SET statement_timeout = '50ms'; SELECT pg_sleep(5)");
    expect(databaseApiError(outage)).toMatchObject({
      status: 503,
      code: 'database_unavailable',
      headers: { 'retry-after': '1' },
      cause: outage,
    });
    const refused = await failure("SELECT '0000-01-01T00:00:00Z'::timestamptz");
    expect(databaseApiError(refused)).toMatchObject({ status: 400, code: 'invalid_value' });
    expect(databaseApiError(await failure('SELECT no_such_column'))).toBeUndefined();
  });
});
