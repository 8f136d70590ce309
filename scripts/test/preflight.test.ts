import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeProblem as check, servicesProblem as checkServices } from '../preflight.mjs';

const run = promisify(execFile);
const URLS = {
  TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  TEST_REDIS_URL: 'redis://127.0.0.1:6379',
  TEST_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

describe('the Node.js check', () => {
  it('names the version found, the version needed and the command that fetches it, in one line', () => {
    const message = check('v20.20.2', '24');
    expect(message).toContain('v20.20.2');
    expect(message).toContain('Node.js 24');
    expect(message).toContain('source scripts/dev-env.sh');
    expect(message).not.toContain('\n');
  });

  it('accepts the version .nvmrc names and newer ones', () => {
    expect(check('v24.21.0', '24')).toBeUndefined();
    expect(check('v25.1.0', '24')).toBeUndefined();
    expect(check('v23.11.0', '24')).toBeDefined();
  });
});

describe('the services check', () => {
  it('names the unset variables and the command that starts the services, in one line', () => {
    const message = checkServices({ TEST_REDIS_URL: URLS.TEST_REDIS_URL }, false);
    expect(message).toContain('TEST_DATABASE_URL, TEST_AMQP_URL are not set');
    expect(message).toContain('bash scripts/services.sh');
    expect(message).not.toContain('\n');
  });

  it('passes with every URL set, or with a Docker engine to start containers', () => {
    expect(checkServices(URLS, false)).toBeUndefined();
    expect(checkServices({}, true)).toBeUndefined();
  });
});

describe('npm test on a Node.js older than .nvmrc asks for', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  // A copy of the preflight beside an .nvmrc naming the next major version: the Node.js running
  // this test is then the old one, as Node.js 20 is for a checkout that needs 24.
  async function preflightNeeding(major: number): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'taller-preflight-'));
    dirs.push(dir);
    await mkdir(join(dir, 'scripts'));
    await copyFile(
      new URL('../preflight.mjs', import.meta.url),
      join(dir, 'scripts/preflight.mjs'),
    );
    await writeFile(join(dir, '.nvmrc'), `${major}\n`);
    return join(dir, 'scripts/preflight.mjs');
  }

  it('fails at once with exit 1 and one line on stderr', async () => {
    const current = Number(process.versions.node.split('.')[0]);
    const script = await preflightNeeding(current + 1);
    const failure = await run(process.execPath, [script], { env: { ...URLS, PATH: '' } }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr.trimEnd().split('\n')).toEqual([
      `preflight: ${check(process.version, String(current + 1))}`,
    ]);
  });

  it('fails with one line naming scripts/services.sh when no service and no Docker is there', async () => {
    const script = await preflightNeeding(Number(process.versions.node.split('.')[0]));
    const result = await run(process.execPath, [script], { env: { PATH: '' } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    if (existsSync('/var/run/docker.sock')) {
      expect(result.code).toBe(0);
    } else {
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('eval "$(bash scripts/services.sh)"');
    }
  });
});
