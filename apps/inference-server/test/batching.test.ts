import { afterEach, describe, expect, it } from 'vitest';
import { digitImage } from './support/digits.js';
import { metric, post } from './support/http.js';
import { ready } from './support/serverProcess.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import { errorShape, rowPredictShape } from './support/tfServingShapes.js';

const servers: TestApp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(env: Record<string, string>): Promise<TestApp> {
  const server = await startTestApp({ LOG_LEVEL: 'warn', ...env });
  servers.push(server);
  await ready(server);
  return server;
}

/** Model calls so far, and how many of them held at most `size` instances. */
const batches = (url: string) => metric(url, 'inference_batch_size_count{model="mnist"}');
const batchesUpTo = (url: string, size: number) =>
  metric(url, `inference_batch_size_bucket{le="${size}",model="mnist"}`);

describe('micro-batching', () => {
  it('serves concurrent requests in shared batches; every caller gets its own rows, in order', async () => {
    const server = await start({ MAX_BATCH_SIZE: '8', BATCH_TIMEOUT_MS: '25' });
    const predictUrl = `${server.url}/v1/models/mnist:predict`;
    // Requests of 1 to 3 distinct digits each.
    const requests = Array.from({ length: 20 }, (_, i) =>
      Array.from({ length: (i % 3) + 1 }, (_, j) => digitImage(i * 3 + j)),
    );

    // Each request alone first: what its rows must be.
    const expected: number[][][] = [];
    for (const instances of requests) {
      const reply = await post(predictUrl, { instances });
      expected.push(rowPredictShape.parse(reply.body).predictions);
    }
    // One model call per request, none larger than a request (3 instances).
    expect(await batches(server.url)).toBe(requests.length);
    expect(await batchesUpTo(server.url, 4)).toBe(requests.length);

    const replies = await Promise.all(requests.map((instances) => post(predictUrl, { instances })));
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(200);
      const rows = rowPredictShape.parse(reply.body).predictions;
      expect(rows).toHaveLength(requests[i]!.length);
      rows.forEach((row, r) =>
        row.forEach((value, k) =>
          expect(Math.abs(value - expected[i]![r]![k]!)).toBeLessThan(1e-6),
        ),
      );
    });

    // Together: fewer model calls than requests, some larger than any one request, none over 8.
    const total = await batches(server.url);
    expect(total - requests.length).toBeLessThan(requests.length);
    expect(await batchesUpTo(server.url, 4)).toBeLessThan(total);
    expect(await batchesUpTo(server.url, 8)).toBe(total);
    expect(await metric(server.url, 'inference_predictions_total{model="mnist",version="1"}')).toBe(
      2 * requests.flat().length,
    );
  });

  it('past MAX_QUEUED_REQUESTS a request is refused with 503 and Retry-After, the rest answered', async () => {
    const server = await start({
      MAX_QUEUED_REQUESTS: '4',
      MAX_BATCH_SIZE: '2',
      BATCH_TIMEOUT_MS: '50',
    });
    const image = digitImage(0);
    const replies = await Promise.all(
      Array.from({ length: 40 }, () =>
        post(`${server.url}/v1/models/mnist:predict`, { instances: [image] }),
      ),
    );
    const refused = replies.filter((reply) => reply.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.status === 200).length).toBeGreaterThanOrEqual(4);
    expect(replies.every((reply) => reply.status === 200 || reply.status === 503)).toBe(true);
    for (const reply of refused) {
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(errorShape.parse(reply.body).error).toMatch(/queue is full/);
    }
    expect(await metric(server.url, 'inference_rejected_total{model="mnist"}')).toBe(
      refused.length,
    );
  });
});
