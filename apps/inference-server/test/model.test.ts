import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SHIPPED_VERSION } from './support/inProcessModel.js';
import { APP_DIR } from './support/serverProcess.js';

const recorded = JSON.parse(readFileSync(join(SHIPPED_VERSION, 'evaluation.json'), 'utf8')) as {
  heldOut: { total: number; correct: number; accuracy: number; backend: string };
};

describe('the shipped model', () => {
  it('is a TensorFlow.js LayersModel under 2 MB', () => {
    const json = JSON.parse(readFileSync(join(SHIPPED_VERSION, 'model.json'), 'utf8')) as {
      format: string;
      weightsManifest: { paths: string[] }[];
    };
    expect(json.format).toBe('layers-model');
    const files = ['model.json', ...json.weightsManifest.flatMap((group) => group.paths)];
    const bytes = files.reduce((sum, file) => sum + statSync(join(SHIPPED_VERSION, file)).size, 0);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('loads from disk in a fresh process and scores the recorded held-out accuracy', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'training/evaluate.ts', SHIPPED_VERSION, recorded.heldOut.backend],
      { cwd: APP_DIR },
    );
    const measured = JSON.parse(stdout.trim().split('\n').at(-1)!) as typeof recorded.heldOut;
    const { total, correct, accuracy, backend } = recorded.heldOut;
    expect(measured).toEqual({ total, correct, accuracy, backend });
    expect(measured.total).toBe(2000);
    expect(measured.accuracy).toBeGreaterThan(0.95);
  });
});
