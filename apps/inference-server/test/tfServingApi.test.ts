import type { LayersModel } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitImage, digitLabel } from './support/digits.js';
import { get, metric, post } from './support/http.js';
import { loadInProcess, predictInProcess } from './support/inProcessModel.js';
import { ready } from './support/serverProcess.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import {
  columnarPredictShape,
  errorShape,
  modelMetadataShape,
  modelStatusShape,
  rowPredictShape,
} from './support/tfServingShapes.js';

let server: TestApp;
let model: LayersModel;
const images = Array.from({ length: 8 }, (_, i) => digitImage(i));

beforeAll(async () => {
  server = await startTestApp();
  model = await loadInProcess();
  await ready(server);
});
afterAll(async () => {
  await server.close();
  model.dispose();
});

function expectRowsClose(actual: number[][], expected: number[][]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    expect(row).toHaveLength(10);
    row.forEach((value, j) => expect(Math.abs(value - expected[i]![j]!)).toBeLessThan(1e-6));
  });
}

const argmax = (row: number[]) => row.indexOf(Math.max(...row));

describe('model status: GET /v1/models/:name[/versions/:version]', () => {
  it('lists every version with its state', async () => {
    const { status, body } = await get(`${server.url}/v1/models/mnist`);
    expect(status).toBe(200);
    expect(modelStatusShape.parse(body)).toEqual({
      model_version_status: [
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    });
    const one = await get(`${server.url}/v1/models/mnist/versions/1`);
    expect(one.status).toBe(200);
    expect(modelStatusShape.parse(one.body)).toEqual(body);
  });

  it.each([
    ['/v1/models/fashion', 'Could not find any versions of model fashion'],
    ['/v1/models/mnist/versions/7', 'Could not find version 7 of model mnist'],
    ['/v1/models/mnist/versions/latest', 'Malformed request: GET /v1/models/mnist/versions/latest'],
  ])('GET %s is a 404 with an error', async (path, message) => {
    const { status, body } = await get(`${server.url}${path}`);
    expect(status).toBe(404);
    expect(errorShape.parse(body).error).toBe(message);
  });
});

describe('model metadata: GET /v1/models/:name[/versions/:version]/metadata', () => {
  it.each(['/v1/models/mnist/metadata', '/v1/models/mnist/versions/1/metadata'])(
    '%s describes the serving_default signature',
    async (path) => {
      const { status, body } = await get(`${server.url}${path}`);
      expect(status).toBe(200);
      const metadata = modelMetadataShape.parse(body);
      expect(metadata.model_spec).toEqual({ name: 'mnist', signature_name: '', version: '1' });
      const signature = metadata.metadata.signature_def.signature_def.serving_default!;
      expect(signature.method_name).toBe('tensorflow/serving/predict');
      expect(signature.inputs.image).toMatchObject({
        dtype: 'DT_FLOAT',
        tensor_shape: {
          dim: [
            { size: '-1', name: '' },
            { size: '28', name: '' },
            { size: '28', name: '' },
          ],
          unknown_rank: false,
        },
      });
      expect(signature.outputs.probabilities).toMatchObject({
        dtype: 'DT_FLOAT',
        tensor_shape: { dim: [{ size: '-1' }, { size: '10' }] },
      });
    },
  );

  it('is a 404 for an unknown model or version', async () => {
    for (const path of ['/v1/models/fashion/metadata', '/v1/models/mnist/versions/3/metadata']) {
      const { status, body } = await get(`${server.url}${path}`);
      expect(status).toBe(404);
      expect(errorShape.parse(body).error).toMatch(/^Servable not found for request: /);
    }
  });
});

describe('predict: POST /v1/models/:name[/versions/:version]:predict', () => {
  it('row format (instances -> predictions) equals model.predict in process', async () => {
    const { status, body } = await post(`${server.url}/v1/models/mnist:predict`, {
      instances: images,
    });
    expect(status).toBe(200);
    const { predictions } = rowPredictShape.parse(body);
    const expected = predictInProcess(model, images);
    expectRowsClose(predictions, expected);
    expect(predictions.map(argmax)).toEqual(expected.map(argmax));
    for (const row of predictions) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('columnar format (inputs -> outputs), bare or named, gives the same rows', async () => {
    const expected = predictInProcess(model, images);
    for (const inputs of [images, { image: images }]) {
      const { status, body } = await post(`${server.url}/v1/models/mnist/versions/1:predict`, {
        inputs,
      });
      expect(status).toBe(200);
      expectRowsClose(columnarPredictShape.parse(body).outputs, expected);
    }
  });

  it('accepts named instances, the default signature name, and any content type', async () => {
    const expected = predictInProcess(model, images.slice(0, 2));
    const requests: [unknown, Record<string, string>][] = [
      [{ instances: images.slice(0, 2).map((image) => ({ image })) }, {}],
      [{ signature_name: 'serving_default', instances: images.slice(0, 2) }, {}],
      // curl -d sends application/x-www-form-urlencoded; TF Serving reads the body as JSON anyway.
      [{ instances: images.slice(0, 2) }, { 'content-type': 'application/x-www-form-urlencoded' }],
      [{ instances: images.slice(0, 2) }, { 'content-type': 'text/plain' }],
    ];
    for (const [body, headers] of requests) {
      const reply = await post(
        `${server.url}/v1/models/mnist:predict`,
        JSON.stringify(body),
        headers,
      );
      expect(reply.status).toBe(200);
      expectRowsClose(rowPredictShape.parse(reply.body).predictions, expected);
    }
  });

  it('errors are {"error": "..."}: 404 for an unknown model or version', async () => {
    const cases = [
      ['/v1/models/fashion:predict', 'Servable not found for request: Latest(fashion)'],
      ['/v1/models/mnist/versions/2:predict', 'Servable not found for request: Specific(mnist, 2)'],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await post(`${server.url}${path}`, {
        instances: images.slice(0, 1),
      });
      expect(status).toBe(404);
      expect(errorShape.parse(body)).toEqual({ error: message });
    }
  });
});

describe('POST /predict (the workshop shortcut)', () => {
  it('takes one image, 28x28 or flat, and answers with the digit', async () => {
    const [expected] = predictInProcess(model, [images[0]!]);
    for (const image of [images[0]!, images[0]!.flat()]) {
      const { status, body } = await post<Record<string, unknown>>(`${server.url}/predict`, image);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        model: 'mnist',
        version: '1',
        label: String(digitLabel(0)),
        class: digitLabel(0),
      });
      expectRowsClose([body.probabilities as number[]], [expected!]);
      expect(body.confidence).toBe(Math.max(...(body.probabilities as number[])));
    }
  });
});

describe('observability', () => {
  it('/readyz shows the models and the backend', async () => {
    const { status, body } = await get(`${server.url}/readyz`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      checks: {
        models: { status: 'ok', details: { mnist: { latest: '1', versions: { 1: 'AVAILABLE' } } } },
        inference: { status: 'ok', details: { backend: 'wasm', simd: true, threads: 1 } },
      },
    });
  });

  it('/metrics exports the backend, the HPA counter, predictions and load time', async () => {
    const before = await metric(server.url, 'inference_requests_total{model="mnist"}');
    await post(`${server.url}/v1/models/mnist:predict`, { instances: images.slice(0, 3) });
    expect(await metric(server.url, 'inference_requests_total{model="mnist"}')).toBe(before + 1);
    expect(await metric(server.url, 'inference_backend_info{backend="wasm",simd="true"}')).toBe(1);
    expect(await metric(server.url, 'inference_worker_threads')).toBe(1);
    expect(
      await metric(server.url, 'inference_predictions_total{model="mnist",version="1"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(
      await metric(server.url, 'model_load_duration_seconds{model="mnist",version="1"}'),
    ).toBeGreaterThan(0);
    expect(await metric(server.url, 'inference_queue_depth')).toBe(0);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('inference_batch_size_bucket{le="1",model="mnist"}');
    expect(text).toContain('inference_duration_seconds_count{model="mnist"}');
    expect(text).toMatch(
      /http_requests_total\{method="POST",route="\/v1\/models\/:name\(.*\)::predict",status_code="200"\}/,
    );
  });

  it('logs the chosen backend at start', () => {
    expect(server.logs).toContainEqual(
      expect.objectContaining({ msg: 'inference backend ready', backend: 'wasm', simd: true }),
    );
  });
});
