import { cp, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerCpus } from '../src/inference/containerCpus.js';
import { inspectModelFolder, ModelFilesError } from '../src/models/modelFiles.js';
import { SHIPPED_VERSION } from './support/inProcessModel.js';

describe('containerCpus', () => {
  const files = (contents: Record<string, string>) => (path: string) => {
    const content = contents[path];
    if (content === undefined) throw new Error(`ENOENT: ${path}`);
    return content;
  };

  it.each([
    ['no cgroup limit (v2)', { '/sys/fs/cgroup/cpu.max': 'max 100000\n' }, 8, 8],
    ['a 2-CPU limit (v2)', { '/sys/fs/cgroup/cpu.max': '200000 100000\n' }, 8, 2],
    ['a 1500m limit rounds down', { '/sys/fs/cgroup/cpu.max': '150000 100000' }, 8, 1],
    ['a 250m limit still gets one thread', { '/sys/fs/cgroup/cpu.max': '25000 100000' }, 8, 1],
    ['a limit above the cpuset', { '/sys/fs/cgroup/cpu.max': '800000 100000' }, 2, 2],
    [
      'a 3-CPU limit (v1)',
      {
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000',
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
      },
      8,
      3,
    ],
    [
      'no limit (v1)',
      {
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
      },
      4,
      4,
    ],
    ['no cgroup files at all', {}, 6, 6],
  ])('%s', (_name, contents, cpus, expected) => {
    expect(containerCpus(files(contents), cpus)).toBe(expected);
  });
});

describe('inspectModelFolder', () => {
  const folders: string[] = [];
  afterAll(async () => Promise.all(folders.map((folder) => rm(folder, { recursive: true }))));
  async function copy(): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), 'model-files-'));
    folders.push(folder);
    await cp(SHIPPED_VERSION, folder, { recursive: true });
    return folder;
  }
  const failure = (dir: string) =>
    inspectModelFolder(dir).then(
      () => undefined,
      (error: unknown) => error as ModelFilesError,
    );

  it('accepts the shipped version and reads its declared input range and labels', async () => {
    const { json, fingerprint } = await inspectModelFolder(SHIPPED_VERSION);
    expect(json.userDefinedMetadata?.inputRange).toEqual([0, 1]);
    expect(json.userDefinedMetadata?.classLabels).toHaveLength(10);
    expect(fingerprint).toBe((await inspectModelFolder(SHIPPED_VERSION)).fingerprint);
  });

  it('a folder still being copied (no model.json, or short weights) is incomplete, not broken', async () => {
    const noJson = await mkdtemp(join(tmpdir(), 'model-files-'));
    folders.push(noJson);
    expect(await failure(noJson)).toMatchObject({ incomplete: true });
    const short = await copy();
    await truncate(join(short, 'weights.bin'), 1000);
    const truncated = await failure(short);
    expect(truncated?.incomplete).toBe(true);
    expect(truncated?.message).toMatch(/hold 1000 bytes, the manifest needs \d+/);
    await rm(join(short, 'weights.bin'));
    const missing = await failure(short);
    expect(missing?.incomplete).toBe(true);
    expect(missing?.message).toMatch(/missing weight files/);
  });

  it('invalid JSON, another format, oversized weights or a path out of the folder are broken', async () => {
    const dir = await copy();
    const cases = [
      ['{"format"', /not a TensorFlow.js LayersModel/],
      ['{"format": "graph-model", "modelTopology": {}, "weightsManifest": []}', /format/],
      [
        '{"format": "layers-model", "modelTopology": {}, "weightsManifest": [{"paths": ["../../etc/passwd"], "weights": []}]}',
        /leaves the version folder/,
      ],
      [
        '{"format": "layers-model", "modelTopology": {}, "weightsManifest": [{"paths": ["weights.bin"], "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}]}',
        /the manifest needs 8/,
      ],
    ] as const;
    for (const [json, message] of cases) {
      await writeFile(join(dir, 'model.json'), json);
      const error = await failure(dir);
      expect(error).toBeInstanceOf(ModelFilesError);
      expect(error?.incomplete).toBe(false);
      expect(error?.message).toMatch(message);
    }
  });
});
