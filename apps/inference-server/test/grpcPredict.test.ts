import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitImage, digitLabel } from './support/digits.js';
import {
  imageTensor,
  outputRows,
  predictionClient,
  type PredictRequest,
} from './support/grpcClient.js';
import { metric, post } from './support/http.js';
import { SHIPPED_VERSION } from './support/inProcessModel.js';
import { ready, startServer } from './support/serverProcess.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import { rowPredictShape } from './support/tfServingShapes.js';

const images = Array.from({ length: 8 }, (_, i) => digitImage(i));
const argmax = (row: number[]) => row.indexOf(Math.max(...row));
const request = (inputs = { image: imageTensor(images) }): PredictRequest => ({
  model_spec: { name: 'mnist' },
  inputs,
});

/** The gRPC status code a call failed with, and its message. */
async function failure(call: Promise<unknown>): Promise<[string, string]> {
  const error = (await call.then(
    () => expect.fail('the call succeeded'),
    (e: unknown) => e,
  )) as ServiceError;
  return [grpcStatus[error.code], error.details];
}

function expectRowsClose(actual: number[][], expected: number[][]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) =>
    row.forEach((value, j) => expect(Math.abs(value - expected[i]![j]!)).toBeLessThan(1e-6)),
  );
}

describe('PredictionService/Predict on GRPC_PORT', () => {
  let server: TestApp;
  let client: ReturnType<typeof predictionClient>;
  let models: string;

  beforeAll(async () => {
    // Two versions of the same weights: 2 is the latest.
    models = await mkdtemp(join(tmpdir(), 'inference-grpc-'));
    for (const version of ['1', '2'])
      await cp(SHIPPED_VERSION, join(models, 'mnist', version), { recursive: true });
    server = await startTestApp({
      MODEL_BASE_PATH: models,
      BATCH_TIMEOUT_MS: '50',
      MAX_BATCH_SIZE: '32',
      GRPC_MAX_MESSAGE_BYTES: String(64 * 1024),
      LOG_LEVEL: 'warn',
    });
    client = predictionClient(server.grpcAddress);
    await ready(server);
  });
  afterAll(async () => {
    client.close();
    await server.close();
    await rm(models, { recursive: true, force: true });
  });

  it('answers packed tensors with the REST answer: DT_FLOAT [8, 10] in tensor_content', async () => {
    const response = await client.predict(request());
    expect(response.model_spec).toEqual({
      name: 'mnist',
      version: { value: 2 },
      signature_name: 'serving_default',
    });
    const output = response.outputs.probabilities!;
    expect(output.dtype).toBe('DT_FLOAT');
    expect(output.tensor_shape.dim.map((dim) => Number(dim.size))).toEqual([8, 10]);
    const rows = outputRows(output);
    const rest = await post(`${server.url}/v1/models/mnist:predict`, { instances: images });
    expectRowsClose(rows, rowPredictShape.parse(rest.body).predictions);
    expect(argmax(rows[0]!)).toBe(digitLabel(0));
  });

  it('takes values as float_val too, and one float_val value fills the shape', async () => {
    const packed = outputRows((await client.predict(request())).outputs.probabilities!);
    const listed = await client.predict(request({ image: imageTensor(images, 'list') }));
    expectRowsClose(outputRows(listed.outputs.probabilities!), packed);
    const blank = { ...imageTensor([digitImage(0)], 'list'), float_val: [0] };
    const rows = outputRows(
      (await client.predict(request({ image: blank }))).outputs.probabilities!,
    );
    expect(rows).toHaveLength(1);
  });

  it('serves the version model_spec names, and the output_filter of its one output', async () => {
    const one = await client.predict({
      ...request(),
      model_spec: { name: 'mnist', version: { value: 1 }, signature_name: 'serving_default' },
      output_filter: ['probabilities'],
    });
    expect(one.model_spec.version).toEqual({ value: 1 });
    expect(Object.keys(one.outputs)).toEqual(['probabilities']);
  });

  it.each<[string, PredictRequest, string, RegExp]>([
    ['an unknown model', { model_spec: { name: 'fashion' } }, 'NOT_FOUND', /Latest\(fashion\)/],
    [
      'an unknown version',
      { model_spec: { name: 'mnist', version: { value: 7 } } },
      'NOT_FOUND',
      /Specific\(mnist, 7\)/,
    ],
    ['no model name', { model_spec: {} }, 'INVALID_ARGUMENT', /model_spec.name/],
    [
      'a version label',
      { model_spec: { name: 'mnist', version_label: 'stable' } },
      'INVALID_ARGUMENT',
      /label: stable/,
    ],
    [
      'another signature',
      { model_spec: { name: 'mnist', signature_name: 'classify' } },
      'INVALID_ARGUMENT',
      /"classify" not found/,
    ],
    [
      'another input name',
      { inputs: { pixels: imageTensor(images) } },
      'INVALID_ARGUMENT',
      /'image'/,
    ],
    ['an unknown output', { output_filter: ['logits'] }, 'INVALID_ARGUMENT', /logits/],
    [
      'a DT_DOUBLE tensor',
      { inputs: { image: { ...imageTensor(images), dtype: 'DT_DOUBLE' } } },
      'INVALID_ARGUMENT',
      /must be DT_FLOAT, got DT_DOUBLE/,
    ],
    [
      'a [1, 784] shape',
      {
        inputs: {
          image: { ...imageTensor(images), tensor_shape: { dim: [{ size: 8 }, { size: 784 }] } },
        },
      },
      'INVALID_ARGUMENT',
      /shape \[8, 784\]; this model takes \[-1, 28, 28\]/,
    ],
    [
      'tensor_content of the wrong length',
      { inputs: { image: { ...imageTensor(images), tensor_content: Buffer.alloc(100) } } },
      'INVALID_ARGUMENT',
      /100 bytes; the shape needs 25088/,
    ],
    [
      'a value out of range',
      { inputs: { image: { ...imageTensor(images, 'list'), float_val: Array(6272).fill(2) } } },
      'INVALID_ARGUMENT',
      /value 0 is 2, outside the range \[0, 1\]/,
    ],
    [
      'both packings',
      { inputs: { image: { ...imageTensor(images), float_val: [0] } } },
      'INVALID_ARGUMENT',
      /both tensor_content and float_val/,
    ],
  ])('%s is %s', async (_, overrides, code, message) => {
    const [actual, details] = await failure(client.predict({ ...request(), ...overrides }));
    expect(actual).toBe(code);
    expect(details).toMatch(message);
  });

  it('a message over GRPC_MAX_MESSAGE_BYTES is RESOURCE_EXHAUSTED', async () => {
    const many = Array.from({ length: 30 }, (_, i) => digitImage(i));
    const [code] = await failure(client.predict(request({ image: imageTensor(many) })));
    expect(code).toBe('RESOURCE_EXHAUSTED');
  });

  it('a call whose deadline passes while queued is DEADLINE_EXCEEDED and never reaches the model', async () => {
    const calls = () => metric(server.url, 'inference_batch_size_count{model="mnist"}');
    const before = await calls();
    // The batch waits 50 ms for company; the caller gives up after 10.
    const [code] = await failure(client.predict(request(), { deadlineMs: 10 }));
    expect(code).toBe('DEADLINE_EXCEEDED');
    await sleep(200);
    expect(await calls()).toBe(before);
    expect(
      await metric(
        server.url,
        'grpc_server_handled_total{grpc_service="tensorflow.serving.PredictionService",grpc_method="Predict",grpc_code="DEADLINE_EXCEEDED"}',
      ),
    ).toBe(1);
  });

  it('a concurrent burst shares model calls; each caller gets its own rows', async () => {
    const calls = () => metric(server.url, 'inference_batch_size_count{model="mnist"}');
    const before = await calls();
    const burst = Array.from({ length: 24 }, (_, i) => [digitImage(i)]);
    const responses = await Promise.all(
      burst.map((one) => client.predict(request({ image: imageTensor(one) }))),
    );
    expect((await calls()) - before).toBeLessThan(burst.length / 2);
    // The first few alone, one after another: the rows each caller got from the shared batches.
    for (const [i, one] of burst.slice(0, 3).entries()) {
      const alone = await client.predict(request({ image: imageTensor(one) }));
      expectRowsClose(
        outputRows(responses[i]!.outputs.probabilities!),
        outputRows(alone.outputs.probabilities!),
      );
    }
    expect(
      await metric(
        server.url,
        'grpc_server_handled_total{grpc_service="tensorflow.serving.PredictionService",grpc_method="Predict",grpc_code="OK"}',
      ),
    ).toBeGreaterThanOrEqual(burst.length);
  });
});

describe('PredictionService/Predict while loading, overloaded and shutting down', () => {
  it('is UNAVAILABLE while loading and when the queue is full; a SIGTERM lets calls in flight finish', async () => {
    const server = await startServer({
      MODEL_LOAD_DELAY_MS: '1500',
      MAX_QUEUED_REQUESTS: '2',
      MAX_BATCH_SIZE: '1',
      BATCH_TIMEOUT_MS: '50',
      LOG_LEVEL: 'warn',
    });
    const client = predictionClient(server.grpcAddress);
    try {
      const [loading, message] = await failure(client.predict(request()));
      expect([loading, message]).toEqual([
        'UNAVAILABLE',
        'models are still loading; retry shortly',
      ]);
      await ready(server);

      const one = request({ image: imageTensor([digitImage(0)]) });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => client.predict(one)),
      );
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      expect(results.length - refused.length).toBeGreaterThanOrEqual(2);
      for (const r of refused) {
        const error = r.reason as ServiceError;
        expect([grpcStatus[error.code], error.details]).toEqual([
          'UNAVAILABLE',
          'the batch queue is full; retry later',
        ]);
      }

      // Accepted and waiting for its batch when the signal arrives: answered, then exit 0.
      const inFlight = client.predict(one);
      await sleep(10);
      const exit = server.stop();
      expect(outputRows((await inFlight).outputs.probabilities!)).toHaveLength(1);
      expect(await exit).toBe(0);
    } finally {
      client.close();
      await server.stop();
    }
  });
});
