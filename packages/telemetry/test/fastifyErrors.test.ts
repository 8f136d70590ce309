import { captureLines } from '@taller/testing';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  createLogger,
  type ErrorBody,
  fastifyApiErrors,
  fastifyLoggerOptions,
  fastifyRouterErrors,
  OverloadedError,
} from '../src/index.js';

class StoreDown extends Error {}

const { destination, lines } = captureLines();
const app = Fastify({
  ...fastifyLoggerOptions(createLogger({ name: 'test', destination })),
  ...fastifyRouterErrors,
  bodyLimit: 100,
});
fastifyApiErrors(app, {
  mapError: (error) =>
    error instanceof StoreDown ? new ApiError(503, 'store_unavailable', 'Retry') : undefined,
});
app.post(
  '/items/:id',
  {
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer' } } },
      body: {
        type: 'object',
        properties: { quantity: { type: 'integer', minimum: 1 } },
        required: ['quantity'],
        additionalProperties: false,
      },
    },
  },
  async () => ({ ok: true }),
);
app.get('/teapot', async () => {
  throw new ApiError(418, 'teapot', 'Short and stout', {
    details: { spout: true },
    headers: { 'x-kind': 'teapot' },
  });
});
app.get('/full', async () => {
  throw new OverloadedError('The queue is full', 2);
});
app.get('/store', async () => {
  throw new StoreDown('connection refused to 10.0.0.7');
});
app.get('/bug', async () => {
  throw new TypeError('secret internal detail');
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
afterAll(() => app.close());

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${url}${path}`, init);
  const body = (await response.json()) as ErrorBody & {
    error: { details: { field: string; code: string }[] };
  };
  return { status: response.status, headers: response.headers, body };
}
const post = (path: string, body: string, type = 'application/json') =>
  call(path, { method: 'POST', body, headers: { 'content-type': type } });

describe('fastifyApiErrors', () => {
  it('answers an ApiError with its status, code, message, details and headers', async () => {
    const { status, headers, body } = await call('/teapot');
    expect(status).toBe(418);
    expect(headers.get('x-kind')).toBe('teapot');
    expect(body).toEqual({
      error: { code: 'teapot', message: 'Short and stout', details: { spout: true } },
    });
  });

  it('answers an overload as 503 with Retry-After', async () => {
    const { status, headers, body } = await call('/full');
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe('2');
    expect(body.error.code).toBe('overloaded');
  });

  it("lets the app map its own errors, and hides everything else's internals", async () => {
    expect((await call('/store')).body.error.code).toBe('store_unavailable');
    const bug = await call('/bug');
    expect(bug.status).toBe(500);
    expect(bug.body).toEqual({
      error: { code: 'internal_error', message: 'Internal server error', details: null },
    });
    expect(JSON.stringify(bug.body)).not.toContain('secret');
    expect(lines.some((line) => line.msg === 'request failed')).toBe(true);
  });

  it('names each invalid, missing and unknown field', async () => {
    const missing = await post('/items/1', '{"colour":"red"}');
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_body');
    expect(missing.body.error.details).toContainEqual({
      field: 'quantity',
      code: 'required',
      message: 'Required',
    });
    const params = await post('/items/x', '{"quantity":1}');
    expect(params.body.error.code).toBe('invalid_params');
    const low = await post('/items/1', '{"quantity":0}');
    expect(low.body.error.details[0]).toMatchObject({ field: 'quantity', code: 'minimum' });
  });

  it('answers bodies it cannot read with their own codes', async () => {
    expect(await post('/items/1', '{"quantity":')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json' } },
    });
    expect(await post('/items/1', `{"quantity":1,"pad":"${'x'.repeat(200)}"}`)).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large' } },
    });
    expect(await post('/items/1', '<quantity>1</quantity>', 'application/xml')).toMatchObject({
      status: 415,
      body: { error: { code: 'unsupported_media_type' } },
    });
  });

  it('answers unknown routes and router failures in the same shape, with the request id', async () => {
    expect(await call('/nowhere?x=1')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'No route for GET /nowhere' } },
    });
    const broken = await call('/items/%ZZ', {
      method: 'POST',
      headers: { 'x-request-id': 'req-42', 'content-type': 'application/json' },
      body: '{"quantity":1}',
    });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('x-request-id')).toBe('req-42');
    expect(broken.body.error.code).toBe('invalid_path');
  });
});
