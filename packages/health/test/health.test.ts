import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { Health, expressHealthRoutes, fastifyHealthRoutes } from '../src/index.js';

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function serveExpress(health: Health): Promise<string> {
  const app = express();
  expressHealthRoutes(app, health);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function serveFastify(health: Health): Promise<string> {
  const app = Fastify();
  await app.register(fastifyHealthRoutes, { health });
  closers.push(() => app.close());
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each([
  ['express', serveExpress],
  ['fastify', serveFastify],
])('health routes (%s)', (_name, serve) => {
  it('readiness is 200 with every check reported while all pass', async () => {
    const health = new Health({ checks: [{ name: 'database', check: async () => 'ok' }] });
    health.markStarted();
    const url = await serve(health);
    const { status, body } = await get(`${url}/readyz`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      checks: { database: { status: 'ok', critical: true } },
    });
  });

  it('readiness turns 503 and names the check that fails or exceeds its timeout', async () => {
    let databaseUp = true;
    const health = new Health({
      checks: [
        {
          name: 'database',
          check: async () => {
            if (!databaseUp) throw new Error('connection refused');
          },
        },
        {
          name: 'broker',
          timeoutMs: 100,
          check: async () => (databaseUp ? undefined : sleep(5000)),
        },
      ],
    });
    health.markStarted();
    const url = await serve(health);
    expect((await get(`${url}/readyz`)).status).toBe(200);

    databaseUp = false;
    const started = performance.now();
    const { status, body } = await get(`${url}/readyz`);
    expect(performance.now() - started).toBeLessThan(1000); // checks run concurrently, bounded
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'fail',
      checks: {
        database: { status: 'fail', error: 'connection refused' },
        broker: { status: 'fail', error: 'timed out after 100 ms' },
      },
    });
  });

  it('a check that sets reportDetails shows what it resolved with; others never do', async () => {
    const health = new Health({
      checks: [
        {
          name: 'model',
          reportDetails: true,
          check: async () => ({ backend: 'wasm', version: 2 }),
        },
        { name: 'database', check: async () => ({ rows: ['not for the probe body'] }) },
      ],
    });
    health.markStarted();
    const { status, body } = await get(`${await serve(health)}/readyz`);
    expect(status).toBe(200);
    const checks = body.checks as Record<string, Record<string, unknown>>;
    expect(checks.model).toMatchObject({ status: 'ok', details: { backend: 'wasm', version: 2 } });
    expect(checks.database).not.toHaveProperty('details');
  });

  it('a failing non-critical check degrades but keeps the pod ready', async () => {
    const health = new Health({
      checks: [
        { name: 'database', check: async () => undefined },
        { name: 'cache', critical: false, check: () => Promise.reject(new Error('cache down')) },
      ],
    });
    health.markStarted();
    const { status, body } = await get(`${await serve(health)}/readyz`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'degraded',
      checks: { cache: { status: 'fail', critical: false } },
    });
  });

  it('liveness never calls a check; startup and readiness wait for markStarted', async () => {
    let calls = 0;
    const health = new Health({
      checks: [
        {
          name: 'database',
          check: async () => {
            calls += 1;
            throw new Error('down');
          },
        },
      ],
    });
    const url = await serve(health);
    for (let i = 0; i < 5; i += 1)
      expect(await get(`${url}/livez`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(calls).toBe(0);

    expect(await get(`${url}/startupz`)).toEqual({ status: 503, body: { status: 'starting' } });
    expect((await get(`${url}/readyz`)).body.status).toBe('starting');
    health.markStarted();
    expect(await get(`${url}/startupz`)).toEqual({ status: 200, body: { status: 'ok' } });
    health.markDraining();
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect((await get(`${url}/livez`)).status).toBe(200);
  });
});
