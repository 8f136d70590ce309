// The worker's HTTP side over a real socket, started as server.ts starts it: whatever a client
// sends that it cannot take is a 4xx in the same error shape as the order service's, never
// Fastify's default body.
import { closeApp, type RunningApp } from '@taller/health';
import { amqpUrl, deleteBrokerObjects } from '@taller/testing';
import { createLogger } from '@taller/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';
import { startApp } from '../src/startApp.js';
import { brokerNames } from './support/broker.js';

const names = brokerNames();
let app: RunningApp;
beforeAll(async () => {
  const config = configSchema.parse({
    AMQP_URL: await amqpUrl(),
    ORDERS_EXCHANGE: names.exchange,
    ORDERS_QUEUE: names.queue,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  app = await startApp(config, { logger: createLogger({ name: 'order-worker', level: 'silent' }) });
});
afterAll(async () => {
  if (app) await closeApp(app);
  await deleteBrokerObjects(names.prefix);
});

describe('bad requests to the worker', () => {
  it.each([
    ['malformed JSON', 'POST', '/livez', 'application/json', '{bad', 400, 'invalid_json'],
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
    const response = await fetch(`${app.url}${path}`, {
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
