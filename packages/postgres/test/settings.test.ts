import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectionConfig, databaseSettings } from '../src/index.js';

const schema = z.object(databaseSettings({ database: 'notes' }));

describe('databaseSettings', () => {
  it('defaults to a local server and the given database, with bounded pool and statements', () => {
    expect(schema.parse({})).toEqual({
      PGHOST: '127.0.0.1',
      PGPORT: 5432,
      PGUSER: 'postgres',
      PGDATABASE: 'notes',
      DATABASE_POOL_MAX: 10,
      DATABASE_CONNECT_TIMEOUT_MS: 2000,
      DATABASE_STATEMENT_TIMEOUT_MS: 5000,
    });
  });

  it('rejects URLs of other schemes, ports out of range and pools without a connection', () => {
    const result = schema.safeParse({
      DATABASE_URL: 'mysql://db/notes',
      PGPORT: '70000',
      DATABASE_POOL_MAX: '0',
      DATABASE_STATEMENT_TIMEOUT_MS: 'soon',
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'DATABASE_POOL_MAX',
      'DATABASE_STATEMENT_TIMEOUT_MS',
      'DATABASE_URL',
      'PGPORT',
    ]);
  });
});

describe('connectionConfig', () => {
  it('uses DATABASE_URL, completing a missing password from PGPASSWORD', () => {
    const settings = schema.parse({
      DATABASE_URL: 'postgres://app@db.internal:5433/notes',
      PGPASSWORD: 's3cr3t/+',
    });
    const { connectionString } = connectionConfig(settings);
    const url = new URL(connectionString!);
    expect(decodeURIComponent(url.password)).toBe('s3cr3t/+');
    expect(`${url.username}@${url.host}${url.pathname}`).toBe('app@db.internal:5433/notes');
  });

  it("keeps a URL's own password", () => {
    const settings = schema.parse({
      DATABASE_URL: 'postgresql://app:inline@db/notes',
      PGPASSWORD: 'ignored',
    });
    expect(connectionConfig(settings)).toEqual({
      connectionString: 'postgresql://app:inline@db/notes',
    });
  });

  it('falls back to the PG* parts without a URL', () => {
    const settings = schema.parse({ PGHOST: 'db', PGPORT: '6543', PGPASSWORD: 'pw' });
    expect(connectionConfig(settings)).toEqual({
      host: 'db',
      port: 6543,
      user: 'postgres',
      password: 'pw',
      database: 'notes',
    });
  });
});
