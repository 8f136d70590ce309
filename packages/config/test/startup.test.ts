// readConfigOrExit in a real process: how a pod with good or bad settings starts.
import { fileURLToPath } from 'node:url';
import { runCommand } from '@taller/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serverSettings, shutdownSettings } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('fixtures/startup.ts', import.meta.url));
const start = (env: Record<string, string>) => runCommand(FIXTURE, [], env);

describe('readConfigOrExit', () => {
  it('applies LOG_LEVEL and logs the settings with secrets redacted', async () => {
    const { code, lines } = await start({ API_TOKEN: 'sup3r-s3cret', LOG_LEVEL: 'debug' });
    expect(code).toBe(0);
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'starting',
        config: {
          PORT: 3999,
          HOST: '0.0.0.0',
          LOG_LEVEL: 'debug',
          HTTP_HEADERS_TIMEOUT_MS: 10_000,
          HTTP_REQUEST_TIMEOUT_MS: 30_000,
          HTTP_KEEP_ALIVE_TIMEOUT_MS: 65_000,
          HTTP_MAX_CONNECTIONS: 1000,
          API_TOKEN: '[redacted]',
          SHUTDOWN_DRAIN_DELAY_MS: 5000,
          SHUTDOWN_TIMEOUT_MS: 25_000,
        },
      },
      { level: 'debug', msg: 'configured', port: 3999 },
    ]);
  });

  it('exits 1 naming every bad key, and never a value', async () => {
    const { code, lines } = await start({ API_TOKEN: 'short', PORT: 'http', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'fatal', msg: 'invalid configuration' });
    const { keys } = (lines[0] as { err: { keys: string[] } }).err;
    expect(keys.sort()).toEqual(['API_TOKEN', 'LOG_LEVEL', 'PORT']);
    expect((lines[0] as { err: { message: string } }).err.message).toMatch(/^Invalid config.*PORT/);
    expect(JSON.stringify(lines)).not.toContain('short');
  });
});

describe('common settings', () => {
  const schema = z.object({ ...serverSettings({ port: 3005 }), ...shutdownSettings() });

  it('default to every interface, the given port, info logs, bounded clients and a 5 s drain within 25 s', () => {
    expect(schema.parse({})).toEqual({
      PORT: 3005,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 65_000,
      HTTP_MAX_CONNECTIONS: 1000,
      SHUTDOWN_DRAIN_DELAY_MS: 5000,
      SHUTDOWN_TIMEOUT_MS: 25_000,
    });
    expect(z.object(shutdownSettings({ drainDelayMs: 0 })).parse({})).toEqual({
      SHUTDOWN_DRAIN_DELAY_MS: 0,
      SHUTDOWN_TIMEOUT_MS: 25_000,
    });
  });

  it('accept port 0 and no drain; reject out-of-range ports, unknown levels, a zero timeout', () => {
    expect(schema.parse({ PORT: '0', SHUTDOWN_DRAIN_DELAY_MS: '0' })).toMatchObject({
      PORT: 0,
      SHUTDOWN_DRAIN_DELAY_MS: 0,
    });
    const result = schema.safeParse({
      PORT: '65536',
      LOG_LEVEL: 'verbose',
      SHUTDOWN_TIMEOUT_MS: '0',
      SHUTDOWN_DRAIN_DELAY_MS: '-1',
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'LOG_LEVEL',
      'PORT',
      'SHUTDOWN_DRAIN_DELAY_MS',
      'SHUTDOWN_TIMEOUT_MS',
    ]);
  });
});
