import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@taller/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { digitImage } from './support/digits.js';
import { get, post } from './support/http.js';
import { SHIPPED_VERSION } from './support/inProcessModel.js';
import { APP_DIR, ready, startServer, type ServerProcess } from './support/serverProcess.js';
import { errorShape, modelStatusShape } from './support/tfServingShapes.js';

const image = digitImage(1);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServer(env);
  cleanups.push(() => server.stop());
  return server;
}

async function tempModels(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'inference-models-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('startup', () => {
  it('is live at once, not ready (503) until the model is loaded and warm, then ready', async () => {
    const server = await start({ MODEL_LOAD_DELAY_MS: '2000' });
    const seen = { livez: [] as number[], readyz: [] as number[], startupz: [] as number[] };

    // While the artificial load delay runs: alive, not started, not ready, predictions refused.
    expect((await get(`${server.url}/livez`)).status).toBe(200);
    const starting = await get<Record<string, unknown>>(`${server.url}/readyz`);
    expect(starting.status).toBe(503);
    expect(starting.body.status).toBe('starting');
    expect((await get(`${server.url}/startupz`)).status).toBe(503);
    const refused = await post(`${server.url}/v1/models/mnist:predict`, { instances: [image] });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    errorShape.parse(refused.body);
    const loading = await waitFor(
      'the model status',
      async () => {
        const status = await get(`${server.url}/v1/models/mnist`);
        return status.status === 200 ? status.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(modelStatusShape.parse(loading).model_version_status[0]!.state).toBe('LOADING');

    await waitFor(
      'readiness after the load delay',
      async () => {
        for (const probe of ['livez', 'readyz', 'startupz'] as const) {
          seen[probe].push((await fetch(`${server.url}/${probe}`)).status);
        }
        return seen.readyz.at(-1) === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(seen.livez.every((status) => status === 200)).toBe(true);
    expect(seen.readyz).toContain(503);
    expect(seen.startupz.at(-1)).toBe(200);
    expect(
      (await post(`${server.url}/v1/models/mnist:predict`, { instances: [image] })).status,
    ).toBe(200);
    const loaded = server.logs.find((entry) => entry.msg === 'model version available');
    expect(loaded?.loadMs).toBeGreaterThan(0);
  });

  it('with no model on disk it waits, not ready, and starts when a version appears', async () => {
    const models = await tempModels();
    const server = await start({ MODEL_BASE_PATH: models, MODEL_POLL_INTERVAL_MS: '100' });
    const notReady = await waitFor(
      'readiness to name the missing versions',
      async () => {
        const reply = await get<{ checks: { models: { status: string; error?: string } } }>(
          `${server.url}/readyz`,
        );
        return reply.body.checks.models.error?.startsWith('no model versions') ? reply : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(notReady.status).toBe(503);
    expect((await get(`${server.url}/livez`)).status).toBe(200);

    // A symbolic link to a version folder counts, as volume mounts and `ln -sfn` deploys make them.
    await mkdir(join(models, 'mnist'));
    await symlink(SHIPPED_VERSION, join(models, 'mnist', '3'));
    await ready(server);
    const status = await get(`${server.url}/v1/models/mnist`);
    expect(modelStatusShape.parse(status.body).model_version_status).toEqual([
      { version: '3', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ]);
  });

  it('a bad setting stops the process with exit code 1 and names the key', async () => {
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@taller/source', 'src/server.ts'],
      { cwd: APP_DIR, env: { PATH: process.env.PATH, MAX_BATCH_SIZE: 'lots', PORT: '0' } },
    );
    const error = (await run.then(
      () => undefined,
      (failure: unknown) => failure,
    )) as { code: number; stdout: string };
    expect(error.code).toBe(1);
    expect(error.stdout).toContain('MAX_BATCH_SIZE');
  });
});

describe('shutdown', () => {
  it('on SIGTERM answers every accepted prediction, then exits 0', async () => {
    const server = await start({ SHUTDOWN_DRAIN_DELAY_MS: '300', BATCH_TIMEOUT_MS: '20' });
    await ready(server);
    const requests = Array.from({ length: 30 }, () =>
      post(`${server.url}/v1/models/mnist:predict`, { instances: [image, image] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exit = server.stop();
    const replies = await Promise.all(requests);
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    expect(await exit).toBe(0);
    expect(server.logs.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining(['shutting down: readiness now fails', 'closed', 'shutdown complete']),
    );
  });
});
