import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, redactConfig } from '@taller/config';
import { connectionConfig } from '@taller/postgres';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';

const secrets = mkdtempSync(join(tmpdir(), 'fullstack-secrets-'));
const load = (env: Record<string, string>) =>
  loadConfig(configSchema, { env, secretsDir: secrets });

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has defaults for a local run', () => {
    const config = load({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_POOL_MAX: 10,
      CACHE_TTL_SECONDS: 60,
      RATE_LIMIT_POINTS: 600,
      TRUST_PROXY: false,
      CORS_ORIGINS: [],
    });
    expect(connectionConfig(config)).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: 'tasks',
    });
  });

  it('completes a DATABASE_URL without password from a mounted PGPASSWORD file', () => {
    const file = join(secrets, 'pg-password');
    writeFileSync(file, 's3cr:t/@\n');
    const config = load({
      DATABASE_URL: 'postgres://app@postgres:5432/tasks',
      PGPASSWORD_FILE: file,
    });
    const { connectionString } = connectionConfig(config);
    const url = new URL(connectionString!);
    expect(decodeURIComponent(url.password)).toBe('s3cr:t/@');
    expect(url.host).toBe('postgres:5432');
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cr');
  });

  it('keeps the password a DATABASE_URL carries', () => {
    const config = load({ DATABASE_URL: 'postgres://app:inline@db/tasks', PGPASSWORD: 'other' });
    expect(new URL(connectionConfig(config).connectionString!).password).toBe('inline');
  });

  it('reads PG* parts, the password from the secrets folder', () => {
    writeFileSync(join(secrets, 'PGPASSWORD'), 'from-volume');
    try {
      const config = load({
        PGHOST: 'postgres.db.svc',
        PGPORT: '6543',
        PGUSER: 'app',
        PGDATABASE: 'board',
      });
      expect(connectionConfig(config)).toEqual({
        host: 'postgres.db.svc',
        port: 6543,
        user: 'app',
        password: 'from-volume',
        database: 'board',
      });
    } finally {
      rmSync(join(secrets, 'PGPASSWORD'));
    }
  });

  it('parses trust proxy and CORS origins', () => {
    expect(load({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(load({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback,10.0.0.0/8');
    expect(load({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).CORS_ORIGINS).toEqual(
      ['https://a.example', 'http://localhost:5173'],
    );
  });

  it('refuses TRUST_PROXY=true, which lets a client forge its address past the rate limiter', () => {
    const error = configErrorOf({ TRUST_PROXY: 'true' });
    expect(error.keys).toEqual(['TRUST_PROXY']);
    expect(error.message).toMatch(/hop count/);
  });

  it('names every bad key', () => {
    const error = configErrorOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db/tasks',
      REDIS_URL: 'not a url',
      TRUST_PROXY: 'everyone',
      CORS_ORIGINS: 'ftp://files.example',
      DATABASE_POOL_MAX: '0',
    });
    expect(error.keys.sort()).toEqual(
      [
        'CORS_ORIGINS.0',
        'DATABASE_POOL_MAX',
        'DATABASE_URL',
        'PORT',
        'REDIS_URL',
        'TRUST_PROXY',
      ].sort(),
    );
  });
});
