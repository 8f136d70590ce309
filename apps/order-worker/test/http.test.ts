// The worker's HTTP side over a real socket: whatever a client sends that it cannot take is a 4xx
// in the same error shape as the order service's, never Fastify's default body.
import { Health } from '@taller/health';
import { createLogger, createMetrics } from '@taller/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  app = await buildApp({
    logger: createLogger({ name: 'order-worker', level: 'silent' }),
    metrics: createMetrics(),
    health: new Health(),
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

describe('bad requests to the worker', () => {
  it.each([
    ['malformed JSON', 'POST', '/livez', 'application/json', '{bad', 400, 'bad_request'],
    [
      'a body over the limit',
      'POST',
      '/livez',
      'application/json',
      'x'.repeat(1_100_000),
      413,
      'payload_too_large',
    ],
    ['an unknown route', 'GET', '/orders', undefined, undefined, 404, 'not_found'],
  ])('answers %s in the error shape', async (_name, method, path, type, body, status, code) => {
    const response = await fetch(`${url}${path}`, {
      method,
      body,
      headers: type ? { 'content-type': type } : {},
    });
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: Record<string, unknown> };
    expect(Object.keys(json)).toEqual(['error']);
    expect(json.error).toMatchObject({
      code,
      message: expect.any(String) as string,
      details: null,
    });
  });
});
