import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, redactConfig } from '../src/index.js';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DATABASE_URL: z.url(),
  DB_PASSWORD: z.string().min(8),
  CACHE_ENABLED: z.stringbool().default(true),
});

const noSecrets = mkdtempSync(join(tmpdir(), 'config-empty-'));

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a valid environment and applies defaults', () => {
    const config = loadConfig(schema, {
      env: {
        DATABASE_URL: 'postgres://db:5432/app',
        DB_PASSWORD: 'long-enough',
        CACHE_ENABLED: 'false',
      },
      secretsDir: noSecrets,
    });
    expect(config).toEqual({
      PORT: 3000,
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://db:5432/app',
      DB_PASSWORD: 'long-enough',
      CACHE_ENABLED: false,
    });
  });

  it('names every missing, mistyped and malformed key in one error', () => {
    const error = errorOf(() =>
      loadConfig(schema, {
        env: { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'not a url' },
        secretsDir: noSecrets,
      }),
    );
    expect(error.keys.sort()).toEqual(['DATABASE_URL', 'DB_PASSWORD', 'LOG_LEVEL', 'PORT']);
    expect(error.message).toMatch(/PORT: .*number/);
    expect(error.message).toMatch(/LOG_LEVEL: .*expected one of/);
    expect(error.message).toMatch(/DATABASE_URL: Invalid URL/);
    expect(error.message).toMatch(/DB_PASSWORD: is required/);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig(schema, {
      env: { PORT: '', DATABASE_URL: 'postgres://db/app', DB_PASSWORD: 'long-enough' },
      secretsDir: noSecrets,
    });
    expect(config.PORT).toBe(3000);
  });

  it('reads a secret from the file named by KEY_FILE, trimming the final newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-file-'));
    writeFileSync(join(dir, 'password'), 's3cret-from-file\n');
    const config = loadConfig(schema, {
      env: { DATABASE_URL: 'postgres://db/app', DB_PASSWORD_FILE: join(dir, 'password') },
      secretsDir: noSecrets,
    });
    expect(config.DB_PASSWORD).toBe('s3cret-from-file');
  });

  it('reads secrets mounted in the secrets folder, by exact or lower-case key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-mounted-'));
    writeFileSync(join(dir, 'DB_PASSWORD'), 'mounted-secret');
    writeFileSync(join(dir, 'database_url'), 'postgres://mounted/app');
    const config = loadConfig(schema, { env: {}, secretsDir: dir });
    expect(config.DB_PASSWORD).toBe('mounted-secret');
    expect(config.DATABASE_URL).toBe('postgres://mounted/app');
  });

  it('prefers the variable over KEY_FILE over the secrets folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-order-'));
    writeFileSync(join(dir, 'DB_PASSWORD'), 'from-folder');
    writeFileSync(join(dir, 'pw'), 'from-key-file');
    const base = { DATABASE_URL: 'postgres://db/app' };
    expect(loadConfig(schema, { env: { ...base }, secretsDir: dir }).DB_PASSWORD).toBe(
      'from-folder',
    );
    expect(
      loadConfig(schema, { env: { ...base, DB_PASSWORD_FILE: join(dir, 'pw') }, secretsDir: dir })
        .DB_PASSWORD,
    ).toBe('from-key-file');
    expect(
      loadConfig(schema, {
        env: { ...base, DB_PASSWORD: 'from-env', DB_PASSWORD_FILE: join(dir, 'pw') },
        secretsDir: dir,
      }).DB_PASSWORD,
    ).toBe('from-env');
  });

  it('names an unreadable KEY_FILE without failing on anything else', () => {
    const error = errorOf(() =>
      loadConfig(schema, {
        env: { DATABASE_URL: 'postgres://db/app', DB_PASSWORD_FILE: '/nonexistent/pw' },
        secretsDir: noSecrets,
      }),
    );
    expect(error.keys).toEqual(['DB_PASSWORD']);
    expect(error.message).toContain('DB_PASSWORD_FILE: cannot read /nonexistent/pw');
  });

  it('never prints a secret read from a file, in an error or in a loggable copy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-leak-'));
    const secret = 'short'; // fails min(8): the validation message must not echo it
    writeFileSync(join(dir, 'pw'), secret);
    const leakySchema = schema.extend({
      DB_PASSWORD: z
        .string()
        .refine((v) => v.length >= 8, { error: (issue) => `too short: ${String(issue.input)}` }),
    });
    const error = errorOf(() =>
      loadConfig(leakySchema, {
        env: { DATABASE_URL: 'x', DB_PASSWORD_FILE: join(dir, 'pw') },
        secretsDir: noSecrets,
      }),
    );
    expect(error.keys).toContain('DB_PASSWORD');
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('[redacted]');

    writeFileSync(join(dir, 'pw'), 'a-long-secret-value');
    const config = loadConfig(schema, {
      env: { DATABASE_URL: 'postgres://u:hunter22@db/app', DB_PASSWORD_FILE: join(dir, 'pw') },
      secretsDir: noSecrets,
    });
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).not.toContain('a-long-secret-value');
    expect(logged).not.toContain('hunter22');
    expect(logged).toContain('"PORT":3000');
  });
});
