// The model catalog with a real inference thread: a refresh that fails leaves the next one
// working, and the versions it was loading are loaded by the next poll.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLines } from '@taller/testing';
import { createLogger, createMetrics } from '@taller/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceMetrics } from '../src/metrics.js';
import { InferencePool } from '../src/inference/inferencePool.js';
import { ModelCatalog } from '../src/models/modelCatalog.js';
import { SHIPPED_VERSION } from './support/inProcessModel.js';

let models: string;
let pool: InferencePool;

beforeAll(async () => {
  models = await mkdtemp(join(tmpdir(), 'inference-catalog-'));
  await cp(SHIPPED_VERSION, join(models, 'mnist', '1'), { recursive: true });
  pool = new InferencePool({
    threads: 1,
    backend: 'auto',
    warmupBatchSizes: [1],
    niceIncrement: 0,
    logger: createLogger({ name: 'catalog-test', level: 'silent' }),
  });
  await pool.start();
});

afterAll(async () => {
  await pool?.close();
  await rm(models, { recursive: true, force: true });
});

describe('ModelCatalog', () => {
  it('keeps refreshing after a refresh failed, and loads what that one could not', async () => {
    let failSettled = true;
    const { destination, lines } = captureLines();
    const catalog = new ModelCatalog({
      basePath: models,
      pool,
      pollIntervalMs: 0,
      loadDelayMs: 0,
      settled: async () => {
        if (failSettled) throw new Error('could not wait for the queued requests');
      },
      logger: createLogger({ name: 'catalog-test', level: 'info', destination }),
      metrics: createInferenceMetrics(createMetrics().registry),
    });
    await catalog.start();
    expect(catalog.lookup('mnist')).toMatchObject({ found: { version: 1 } });

    // Version 2 replaces version 1; waiting for version 1's requests fails this time.
    await cp(join(models, 'mnist', '1'), join(models, 'mnist', '2'), { recursive: true });
    await rm(join(models, 'mnist', '1'), { recursive: true });
    await catalog.refresh();
    expect(lines.some((line) => line.msg === 'loading failed; retrying at the next poll')).toBe(
      true,
    );
    expect(catalog.readiness().ready).toBe(false);

    failSettled = false;
    await catalog.refresh();
    expect(catalog.lookup('mnist')).toMatchObject({ found: { version: 2 } });
    expect(catalog.readiness()).toMatchObject({ ready: true, models: { mnist: { latest: '2' } } });
    catalog.close();
  });
});
