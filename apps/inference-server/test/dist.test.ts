import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { digitImage } from './support/digits.js';
import { get, post } from './support/http.js';
import { APP_DIR, ready, startServer } from './support/serverProcess.js';
import { rowPredictShape } from './support/tfServingShapes.js';

describe('the build', () => {
  it('runs from dist/ with plain node: worker threads included, no TypeScript loader', async () => {
    await promisify(execFile)(
      'npx',
      ['turbo', 'run', 'build', '--filter=@taller/inference-server...'],
      {
        cwd: APP_DIR,
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      },
    );
    const server = await startServer({ INFERENCE_THREADS: '2' }, { built: true });
    try {
      await ready(server);
      const { body } = await get<{ checks: { inference: { details: unknown } } }>(
        `${server.url}/readyz`,
      );
      expect(body.checks.inference.details).toMatchObject({ backend: 'wasm', threads: 2 });
      const reply = await post(`${server.url}/v1/models/mnist:predict`, {
        instances: [digitImage(5)],
      });
      expect(reply.status).toBe(200);
      expect(rowPredictShape.parse(reply.body).predictions[0]).toHaveLength(10);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 180_000);
});
