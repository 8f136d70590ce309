import type { AddressInfo } from 'node:net';
import { captureLines, waitFor } from '@taller/testing';
import express from 'express';
import Fastify from 'fastify';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildInfo,
  createLogger,
  createMetrics,
  expressMetricsHandler,
  expressTelemetry,
  expressVersionHandler,
  fastifyLoggerOptions,
  fastifyTelemetry,
} from '../src/index.js';

function captureLogs() {
  const { destination, lines } = captureLines();
  return { lines, logger: createLogger({ name: 'test', destination }) };
}

// As the Dockerfiles set it from the image's VERSION.
const build = buildInfo('items', { APP_VERSION: '1.2.3' });

async function startExpress() {
  const { lines, logger } = captureLogs();
  const metrics = createMetrics({ build });
  const app = express();
  app.use(expressTelemetry(logger, metrics));
  const items = express.Router();
  items.get('/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.use('/api/items', items);
  app.get('/metrics', expressMetricsHandler(metrics));
  app.get('/version', expressVersionHandler(metrics));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function startFastify() {
  const { lines, logger } = captureLogs();
  const metrics = createMetrics({ build });
  const app = Fastify(fastifyLoggerOptions(logger));
  await app.register(fastifyTelemetry, { metrics });
  app.get('/api/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, lines, close: () => app.close() };
}

const servers: { close: () => Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe.each([
  ['express', startExpress],
  ['fastify', startFastify],
])('%s telemetry', (_name, start) => {
  it('exports Prometheus text that counts requests by route template, never by raw URL', async () => {
    const server = await start();
    servers.push(server);
    for (const id of ['1', '2', '3'])
      expect((await fetch(`${server.url}/api/items/${id}`)).status).toBe(200);
    expect((await fetch(`${server.url}/no/such/path/42`)).status).toBe(404);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = parsePrometheus(text); // throws on any line that is not valid exposition format
    const requests = families.find((family) => family.name === 'http_requests_total');
    expect(requests?.type).toBe('COUNTER');
    const byRoute = Object.fromEntries(
      (requests?.metrics ?? []).map((sample) => [
        `${sample.labels?.route} ${sample.labels?.status_code}`,
        Number(sample.value),
      ]),
    );
    expect(byRoute['/api/items/:id 200']).toBe(3);
    expect(byRoute['unmatched 404']).toBe(1);
    expect(
      Object.keys(byRoute).some((route) => route.includes('/42') || route.includes('/api/items/1')),
    ).toBe(false);

    const duration = families.find((family) => family.name === 'http_request_duration_seconds');
    expect(duration?.type).toBe('HISTOGRAM');
    // The parser merges labelled histograms, so read the count series from the text itself.
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/api\/items\/:id",status_code="200"\} 3$/m,
    );
    expect(families.some((family) => family.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('says which version runs: GET /version and the build_info metric', async () => {
    const server = await start();
    servers.push(server);
    const version = await (await fetch(`${server.url}/version`)).json();
    expect(version).toEqual({ service: 'items', version: '1.2.3', node: process.versions.node });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain(
      `build_info{service="items",version="1.2.3",node_version="${process.versions.node}"} 1`,
    );
  });

  it('keeps a safe caller request id, replaces an unsafe one, and logs it as JSON', async () => {
    const server = await start();
    servers.push(server);
    const kept = await fetch(`${server.url}/api/items/7`, {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${server.url}/api/items/7`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const logged = await waitFor('a line with the kept request id', () => {
      const lines = server.lines.filter((line) => line.reqId === 'abc-123');
      return lines.length > 0 && lines;
    });
    expect(logged[0]).toMatchObject({ level: 'info', service: 'test' });
  });
});

describe('logger', () => {
  it('redacts credentials in headers and logged objects', () => {
    const { lines, logger } = captureLogs();
    logger.info(
      { req: { headers: { authorization: 'Bearer top-secret' } }, db: { password: 'hunter22' } },
      'hello',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('top-secret');
    expect(text).not.toContain('hunter22');
    expect(lines[0]).toMatchObject({ msg: 'hello', service: 'test', level: 'info' });
  });
});
