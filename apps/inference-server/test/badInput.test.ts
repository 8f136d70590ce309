import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitImage } from './support/digits.js';
import { get, post } from './support/http.js';
import { ready } from './support/serverProcess.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import { errorShape } from './support/tfServingShapes.js';

let server: TestApp;
const image = digitImage(0);
const MAX_INSTANCES = 16;

beforeAll(async () => {
  server = await startTestApp({
    MAX_INSTANCES_PER_REQUEST: String(MAX_INSTANCES),
    BODY_LIMIT_BYTES: String(256 * 1024),
  });
  await ready(server);
});
afterAll(async () => {
  await server.close();
  // No request reached the generic 500 handler.
  expect(server.logs.filter((entry) => entry.msg === 'request failed')).toEqual([]);
});

const predictUrl = () => `${server.url}/v1/models/mnist:predict`;

async function expectError(body: unknown, status: number, message: RegExp, url = predictUrl()) {
  const reply = await post(url, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(errorShape.parse(reply.body).error).toMatch(message);
}

const withPixel = (value: unknown) =>
  image.map((row, r) => (r === 5 ? row.map((v, c) => (c === 7 ? value : v)) : row));

describe('bad input is a clear 4xx', () => {
  it('wrong shapes', async () => {
    await expectError(
      { instances: [image.slice(1)] },
      400,
      /^instances\[0\]: expected a list of 28, got 27/,
    );
    await expectError(
      { instances: [image, image.map((row, r) => (r === 3 ? row.slice(0, 20) : row))] },
      400,
      /^instances\[1\]\[3\]: expected a list of 28, got 20/,
    );
    await expectError(
      { instances: [image.flat()] },
      400,
      /^instances\[0\]: expected a list of 28, got 784/,
    );
    await expectError(
      { instances: [[image]] },
      400,
      /^instances\[0\]: expected a list of 28, got 1/,
    );
    await expectError(
      { inputs: image.slice(0, 2) },
      400,
      /^inputs\[0\]\[0\]: expected a list of 28, got a number/,
    );
    await expectError(
      { instances: [1, 2, 3] },
      400,
      /^instances\[0\]: expected a list of 28, got a number/,
    );
  });

  it('wrong dtypes: strings, booleans, null, objects', async () => {
    for (const [value, got] of [
      ['0.5', 'a string'],
      [true, 'a boolean'],
      [null, 'null'],
      [{ value: 0.5 }, 'a object'],
    ] as const) {
      await expectError(
        { instances: [withPixel(value)] },
        400,
        new RegExp(`^instances\\[0\\]\\[5\\]\\[7\\]: expected a number \\(float32\\), got ${got}`),
      );
    }
  });

  it('NaN, Infinity and values outside the range the model declares', async () => {
    // JSON has no NaN or Infinity: TF Serving's lenient literals are refused as invalid JSON here.
    for (const literal of ['NaN', 'Infinity', '-Infinity']) {
      const body = JSON.stringify({ instances: [withPixel(0)] }).replace('0]', `${literal}]`);
      const reply = await post(predictUrl(), body);
      expect(reply.status).toBe(400);
      expect(errorShape.parse(reply.body).error).toMatch(/JSON/);
    }
    // 1e999 parses to Infinity.
    const overflow = JSON.stringify({ instances: [withPixel(0.25)] }).replace('0.25', '1e999');
    const reply = await post(predictUrl(), overflow);
    expect(reply.status).toBe(400);
    expect(errorShape.parse(reply.body).error).toMatch(/Infinity is outside the range \[0, 1\]/);
    await expectError(
      { instances: [withPixel(255)] },
      400,
      /255 is outside the range \[0, 1\] this model accepts/,
    );
    await expectError({ instances: [withPixel(-0.1)] }, 400, /-0.1 is outside the range/);
  });

  it('bodies that are not a predict request', async () => {
    await expectError('not json', 400, /JSON/);
    await expectError('', 400, /empty/i);
    await expectError('"instances"', 400, /object/);
    await expectError([image], 400, /object/);
    await expectError({}, 400, /^Missing 'inputs' or 'instances' key$/);
    await expectError({ instances: 'abc' }, 400, /'instances' must be a list/);
    await expectError({ inputs: 'abc' }, 400, /'inputs' must be a list/);
    await expectError({ instances: [image], inputs: [image] }, 400, /^Only one of 'instances'/);
    await expectError({ instances: [] }, 400, /'instances' is empty/);
    await expectError({ inputs: [] }, 400, /'inputs' is empty/);
    await expectError({ inputs: { pixels: [image] } }, 400, /this model has one input, 'image'/);
    await expectError(
      { instances: [{ image, extra: 1 }] },
      400,
      /^instances\[0\] names the inputs/,
    );
    await expectError(
      { signature_name: 'classify', instances: [image] },
      400,
      /"classify" not found/,
    );
  });

  it('too many instances is a 413, and so is a body over the size limit', async () => {
    await expectError(
      { instances: Array.from({ length: MAX_INSTANCES + 1 }, () => image) },
      413,
      /17 instances exceed the limit of 16 per request/,
    );
    await expectError({ instances: [image], padding: 'x'.repeat(300 * 1024) }, 413, /too large/i);
  });

  it('unknown models and versions are 404s; other routes too', async () => {
    await expectError(
      { instances: [image] },
      404,
      /Latest\(fashion\)/,
      `${server.url}/v1/models/fashion:predict`,
    );
    await expectError(
      { instances: [image] },
      404,
      /Specific\(mnist, 9\)/,
      `${server.url}/v1/models/mnist/versions/9:predict`,
    );
    await expectError(
      { instances: [image] },
      404,
      /^Malformed request/,
      `${server.url}/v1/models/mnist/versions/x:predict`,
    );
    await expectError(
      { instances: [image] },
      404,
      /^Malformed request/,
      `${server.url}/v1/models/mnist:classify`,
    );
    await expectError([0.5], 400, /expected a list of 28, got 1/, `${server.url}/predict`);
    await expectError({ image }, 400, /body must be array/, `${server.url}/predict`);
  });

  it('a path the router cannot take is a TF Serving error with the request id', async () => {
    for (const [path, status] of [
      ['/v1/models/%ZZ:predict', 400],
      [`/v1/models/${'m'.repeat(101)}:predict`, 414],
    ] as const) {
      const reply = await fetch(`${server.url}${path}`, {
        headers: { 'x-request-id': 'router-2' },
      });
      expect(reply.status).toBe(status);
      expect(errorShape.parse(await reply.json()).error).toMatch(/^Malformed request: /);
      expect(reply.headers.get('x-request-id')).toBe('router-2');
    }
  });

  it('fuzz: any JSON body is a 200 or a clear 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ instances: fc.jsonValue() }),
          fc.record({
            inputs: fc.jsonValue(),
            signature_name: fc.oneof(fc.string(), fc.constant('')),
          }),
        ),
        async (body) => {
          const reply = await post(predictUrl(), body);
          expect([200, 400, 413]).toContain(reply.status);
          if (reply.status !== 200) errorShape.parse(reply.body);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fuzz: a valid image with some pixels replaced is accepted exactly when every value is a number in [0, 1]', async () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.string({ maxLength: 3 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(27), fc.nat(27), value), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (changes, columnar) => {
          const pixels = image.map((row) => [...row] as unknown[]);
          for (const [r, c, v] of changes) pixels[r]![c] = v;
          const valid = pixels.every((row) =>
            row.every((v) => typeof v === 'number' && v >= 0 && v <= 1),
          );
          const reply = await post(
            predictUrl(),
            columnar ? { inputs: [pixels] } : { instances: [pixels] },
          );
          expect(reply.status).toBe(valid ? 200 : 400);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the server is still ready and answers after all of it', async () => {
    expect((await get(`${server.url}/readyz`)).status).toBe(200);
    const reply = await post(predictUrl(), { instances: [image] });
    expect(reply.status).toBe(200);
  });
});
