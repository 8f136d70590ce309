import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitImage } from './support/digits.js';
import { get, post } from './support/http.js';
import { SHIPPED_VERSION } from './support/inProcessModel.js';
import { waitFor } from '@taller/testing';
import { ready } from './support/serverProcess.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import {
  modelMetadataShape,
  modelStatusShape,
  rowPredictShape,
} from './support/tfServingShapes.js';

let server: TestApp;
const wait = { timeoutMs: 30_000, intervalMs: 50 };
let models: string;
const images = [digitImage(2), digitImage(3)];

beforeAll(async () => {
  models = await mkdtemp(join(tmpdir(), 'inference-versions-'));
  await cp(SHIPPED_VERSION, join(models, 'mnist', '1'), { recursive: true });
  server = await startTestApp({
    MODEL_BASE_PATH: models,
    MODEL_POLL_INTERVAL_MS: '100',
    MODEL_LOAD_DELAY_MS: '500',
    INFERENCE_THREADS: '2',
    LOG_LEVEL: 'warn',
  });
  await ready(server);
});
afterAll(async () => {
  await server.close();
  await rm(models, { recursive: true, force: true });
});

/** Publishes a copy of version 1 whose output bias favours class 0, renamed into place at once. */
async function publishVersion(version: number): Promise<void> {
  const staging = join(models, 'mnist', `.staging-${version}`);
  await cp(SHIPPED_VERSION, staging, { recursive: true });
  const json = JSON.parse(await readFile(join(staging, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const before = specs.findIndex((spec) => spec.name === 'probabilities/bias');
  const offset = specs
    .slice(0, before)
    .reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const weights = await readFile(join(staging, 'weights.bin'));
  weights.writeFloatLE(weights.readFloatLE(offset) + 4, offset);
  await writeFile(join(staging, 'weights.bin'), weights);
  await rename(staging, join(models, 'mnist', String(version)));
}

async function predict(path: string) {
  const reply = await post(`${server.url}${path}`, { instances: images });
  expect(reply.status).toBe(200);
  return rowPredictShape.parse(reply.body).predictions;
}

/** Same rows within float noise (requests of other clients may share the batch). */
function expectClose(actual: number[][], expected: number[][]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) =>
    row.forEach((value, j) => expect(Math.abs(value - expected[i]![j]!)).toBeLessThan(1e-6)),
  );
}

async function versionStates(): Promise<Record<string, string>> {
  const { body } = await get(`${server.url}/v1/models/mnist`);
  const status = modelStatusShape.parse(body).model_version_status;
  return Object.fromEntries(status.map((v) => [v.version, v.state]));
}

describe('model versions', () => {
  it('a new version becomes latest without one failed request; a removed one is unloaded', async () => {
    // Clients that keep predicting with `latest` through every change below.
    const traffic = keepPredicting(4);
    try {
      await switchVersions();
    } finally {
      await traffic.stop();
    }
    expect(traffic.answers.length).toBeGreaterThan(20);
    expect(traffic.answers.filter((answer) => answer !== 200)).toEqual([]);
    const messages = server.logs.map((entry) => entry.msg);
    expect(messages).toContain('model version is invalid');
    expect(messages).toContain('model version failed to load');
  });
});

/** Publishes, removes and breaks versions, checking what `latest` and each version answer. */
async function switchVersions(): Promise<void> {
  const v1 = await predict('/v1/models/mnist:predict');
  await publishVersion(2);
  // Loading (artificially slow): version 1 still answers as latest meanwhile.
  await waitFor('version 2 loading', async () => (await versionStates())['2'] === 'LOADING', wait);
  expectClose(await predict('/v1/models/mnist:predict'), v1);
  await waitFor(
    'version 2 available',
    async () => (await versionStates())['2'] === 'AVAILABLE',
    wait,
  );
  expect(await versionStates()).toEqual({ '2': 'AVAILABLE', '1': 'AVAILABLE' });

  const metadata = modelMetadataShape.parse(
    (await get(`${server.url}/v1/models/mnist/metadata`)).body,
  );
  expect(metadata.model_spec.version).toBe('2');
  const v2 = await predict('/v1/models/mnist/versions/2:predict');
  expectClose(await predict('/v1/models/mnist:predict'), v2);
  expectClose(await predict('/v1/models/mnist/versions/1:predict'), v1);
  // Version 2's class-0 bias is 4 higher: the odds of class 0 grow about e^4 = 55 times.
  expect(v2[0]![0]!).toBeGreaterThan(10 * v1[0]![0]!);

  await rm(join(models, 'mnist', '1'), { recursive: true });
  await waitFor(
    'version 1 unloaded',
    async () => Object.keys(await versionStates()).join() === '2',
    wait,
  );
  const gone = await post(`${server.url}/v1/models/mnist/versions/1:predict`, {
    instances: images,
  });
  expect(gone.status).toBe(404);

  // A broken version is reported and changes nothing else.
  await mkdir(join(models, 'mnist', '3'));
  await writeFile(join(models, 'mnist', '3', 'model.json'), '{"format": "layers-model"');
  await waitFor('version 3 failed', async () => (await versionStates())['3'] === 'END', wait);
  const { body } = await get(`${server.url}/v1/models/mnist/versions/3`);
  const { status } = modelStatusShape.parse(body).model_version_status[0]!;
  expect(status.error_code).toBe('UNKNOWN');
  expect(status.error_message).toMatch(/model.json is not a TensorFlow.js LayersModel/);
  expectClose(await predict('/v1/models/mnist:predict'), v2);
  expect((await get(`${server.url}/readyz`)).status).toBe(200);

  // So is one whose files are in order but which the threads cannot build.
  const unbuildable = join(models, 'mnist', '.staging-4');
  await cp(SHIPPED_VERSION, unbuildable, { recursive: true });
  const json = JSON.parse(await readFile(join(unbuildable, 'model.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  await writeFile(
    join(unbuildable, 'model.json'),
    JSON.stringify({ ...json, modelTopology: { class_name: 'Nope' } }),
  );
  await rename(unbuildable, join(models, 'mnist', '4'));
  await waitFor('version 4 failed', async () => (await versionStates())['4'] === 'END', wait);
  expect(await versionStates()).toEqual({ '4': 'END', '3': 'END', '2': 'AVAILABLE' });
  expectClose(await predict('/v1/models/mnist:predict'), v2);
}

/** Clients predicting with `latest` in a loop until stopped; every status (or error) is kept. */
function keepPredicting(clients: number) {
  let running = true;
  const answers: (number | string)[] = [];
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      try {
        const reply = await fetch(`${server.url}/v1/models/mnist:predict`, {
          method: 'POST',
          body: JSON.stringify({ instances: images }),
        });
        await reply.arrayBuffer();
        answers.push(reply.status);
      } catch (error) {
        answers.push(String(error));
      }
    }
  });
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
