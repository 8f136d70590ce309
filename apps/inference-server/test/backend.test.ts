import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@taller/telemetry';
import { freePort } from '@taller/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { InferencePool, type InferencePoolOptions } from '../src/inference/inferencePool.js';
import { PIXELS, readHeldOut, toFloat } from '../training/mnistData.js';
import { SHIPPED_VERSION } from './support/inProcessModel.js';
import { startTestApp } from './support/testApp.js';

const logger = createLogger({ name: 'backend-test', level: 'silent' });
const pools: InferencePool[] = [];
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

function pool(options: Partial<InferencePoolOptions>): InferencePool {
  const created = new InferencePool({
    threads: 1,
    backend: 'auto',
    warmupBatchSizes: [1],
    niceIncrement: 0,
    logger,
    ...options,
  });
  pools.push(created);
  return created;
}

/** Probabilities for the first four held-out digits, computed in the pool's thread. */
async function predictDigits(inference: InferencePool): Promise<Float32Array> {
  const report = await inference.sync([SHIPPED_VERSION]);
  expect(report.errors).toEqual(new Map());
  const { images } = readHeldOut();
  const { output } = await inference.predict(
    SHIPPED_VERSION,
    4,
    toFloat(images.subarray(0, 4 * PIXELS)),
  );
  return output;
}

describe('backend selection in the worker threads', () => {
  it('without tfjs-node (an optional dependency, absent here) it chooses wasm with SIMD', async () => {
    const tfjsNode = '@tensorflow/tfjs-node';
    await expect(import(tfjsNode)).rejects.toThrow(/Cannot find package/);
    const wasm = pool({});
    const backend = await wasm.start();
    expect(backend).toMatchObject({ name: 'wasm', simd: true });
    expect(backend.skipped).toEqual([
      expect.stringMatching(/^tensorflow: Cannot find package '@tensorflow\/tfjs-node'/),
    ]);
    expect(await predictDigits(wasm)).toHaveLength(40);
  });

  it('with the wasm files unavailable it falls back to cpu, with the same predictions', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-wasm-'));
    folders.push(empty);
    const cpu = pool({ wasmDir: empty });
    const backend = await cpu.start();
    expect(backend.name).toBe('cpu');
    expect(backend.skipped).toEqual([
      expect.stringMatching(/^tensorflow: /),
      expect.stringMatching(/^wasm: .*ENOENT.*tfjs-backend-wasm-simd\.wasm/),
    ]);
    const fromCpu = await predictDigits(cpu);
    const fromWasm = await predictDigits(pools[0]!);
    fromCpu.forEach((value, i) => expect(Math.abs(value - fromWasm[i]!)).toBeLessThan(1e-4));
  });

  it('an explicit backend that cannot start fails the start instead of falling back', async () => {
    await expect(pool({ backend: 'tensorflow' }).start()).rejects.toThrow(
      /no TensorFlow.js backend could start \(tensorflow: /,
    );
  });

  it('the app does not start on such a backend, and frees the ports it had opened', async () => {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const env = { PORT: String(port), GRPC_PORT: String(grpcPort) };
    await expect(startTestApp({ ...env, INFERENCE_BACKEND: 'tensorflow' })).rejects.toThrow(
      /no TensorFlow.js backend could start/,
    );
    const app = await startTestApp(env); // the same ports, free again
    await app.close();
  });
});
