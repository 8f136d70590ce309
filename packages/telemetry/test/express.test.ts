import type { AddressInfo } from 'node:net';
import { captureLines, waitFor } from '@taller/testing';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, createMetrics, expressTelemetry } from '../src/index.js';

const { destination, lines } = captureLines();
const logger = createLogger({ name: 'test', destination });

const app = express();
app.use(expressTelemetry(logger, createMetrics()));
app.get('/livez', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/work', (req, res) => {
  req.log.info({ step: 1, db: { password: 'hunter22' } }, 'working');
  res.status(201).json({ done: true });
});
app.get('/broken', (_req, res) => {
  res.status(503).json({ error: 'down' });
});
app.get('/slow', (_req, res) => {
  setTimeout(() => res.json({ late: true }), 300);
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

afterAll(() => new Promise((resolve) => server.close(resolve)));

const linesFor = (reqId: string, count: number) =>
  waitFor(
    `${count} log lines of ${reqId}`,
    () => {
      const mine = lines.filter((line) => line.reqId === reqId);
      return mine.length >= count && mine;
    },
    { timeoutMs: 5000, intervalMs: 10 },
  );

describe('expressTelemetry logging', () => {
  it('logs one access line per request, and handler lines that carry the request id', async () => {
    const response = await fetch(`${url}/work?page=2`, { headers: { 'x-request-id': 'req-1' } });
    expect(response.status).toBe(201);
    const [handlerLine, accessLine] = await linesFor('req-1', 2);
    expect(handlerLine).toMatchObject({ msg: 'working', step: 1, reqId: 'req-1', level: 'info' });
    expect(accessLine).toMatchObject({
      msg: 'request completed',
      level: 'info',
      reqId: 'req-1',
      req: { method: 'GET', url: '/work?page=2', remoteAddress: '127.0.0.1' },
      res: { statusCode: 201 },
      responseTime: expect.any(Number) as number,
    });
    expect(JSON.stringify(accessLine)).not.toContain('headers');
    // The access line skips redaction; handler lines do not.
    expect(handlerLine).toMatchObject({ db: { password: '[redacted]' } });
  });

  it('logs server errors at error level and leaves probes out', async () => {
    await fetch(`${url}/broken`, { headers: { 'x-request-id': 'req-2' } });
    await fetch(`${url}/livez`, { headers: { 'x-request-id': 'req-3' } });
    expect(await linesFor('req-2', 1)).toMatchObject([
      { msg: 'request errored', level: 'error', res: { statusCode: 503 } },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.filter((line) => line.reqId === 'req-3')).toEqual([]);
  });

  it('logs a request the client abandoned', async () => {
    const controller = new AbortController();
    const pending = fetch(`${url}/slow`, {
      headers: { 'x-request-id': 'req-4' },
      signal: controller.signal,
    }).catch(() => 'aborted');
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toBe('aborted');
    expect(await linesFor('req-4', 1)).toMatchObject([
      { msg: 'request aborted', res: { statusCode: 499 } },
    ]);
  });
});
