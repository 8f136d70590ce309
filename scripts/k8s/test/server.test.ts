// The server-side proof against a real throwaway control plane (scripts/k8s/control-plane.sh):
// the checks' own fixture passes, and each way of breaking it fails. A few seconds, most of them
// the API server starting. Run by scripts/validate.sh (npm run validate), which builds the pinned
// binaries first, rather than by npm test, which needs no Go toolchain.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconform, writeSchemas } from '../kubeconform.js';
import type { Container, K8sObject, PodSpec } from '../objects.js';
import { parseObjects, root } from '../render.js';
import { createNamespaces, dryRun } from '../server.js';

const FIXTURE = readFileSync(new URL('../../test/fixtures/system.yaml', import.meta.url), 'utf8');
const [kubectl, kubeconformBinary] = execFileSync(
  'bash',
  ['-c', 'source scripts/cluster/env.sh && echo "$KUBECTL $KUBECONFORM"'],
  { cwd: root, encoding: 'utf8' },
)
  .trim()
  .split(' ') as [string, string];

/** The fixture as YAML with one change made by `edit`. */
function system(edit: (objects: K8sObject[]) => void = () => {}): string {
  const objects = parseObjects(FIXTURE);
  edit(objects);
  return objects.map((object) => JSON.stringify(object)).join('\n---\n');
}
const api = (objects: K8sObject[]) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!;
const podSpec = (objects: K8sObject[]) =>
  (api(objects).spec as { template: { spec: PodSpec } }).template.spec;
const container = (objects: K8sObject[]): Container => podSpec(objects).containers[0]!;

describe('the server-side proof', () => {
  let plane: ChildProcessWithoutNullStreams;

  beforeAll(async () => {
    // The wrapper runs `cat` until its stdin closes: when this process ends, however it ends, the
    // control plane is stopped and its folder removed by the wrapper's trap.
    plane = spawn(
      'bash',
      [
        'scripts/k8s/control-plane.sh',
        'run',
        'sh',
        '-c',
        'echo "$KUBECONFIG $TALLER_CONTROL_PLANE $KUBECACHEDIR"; exec cat',
      ],
      { cwd: root },
    );
    const [line] = (await once(createInterface(plane.stdout), 'line')) as [string];
    const [kubeconfig, dir, cache] = line.split(' ');
    Object.assign(process.env, {
      KUBECONFIG: kubeconfig,
      TALLER_CONTROL_PLANE: dir,
      KUBECACHEDIR: cache,
      KUBECTL: kubectl,
      KUBECONFORM: kubeconformBinary,
    });
    await createNamespaces('taller', []);
  }, 60_000);

  afterAll(async () => {
    plane.stdin.end();
    if (plane.exitCode === null) await once(plane, 'exit');
  });

  it('accepts the system that follows every rule', async () => {
    expect(await dryRun(system())).toEqual([]);
  });

  it.each([
    [
      'a bare Pod that breaks Pod Security restricted',
      (o: K8sObject[]) =>
        o.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'loose' },
          spec: { containers: [{ name: 'c', image: 'taller/api:0.1.0' }] },
        }),
      'pods "loose" is forbidden: violates PodSecurity "restricted:latest"',
    ],
    [
      'a pod template that breaks restricted (a warning only, from the API server)',
      (o: K8sObject[]) => delete container(o).securityContext!.capabilities,
      'deployment.apps/api: warning: would violate PodSecurity "restricted:latest": unrestricted capabilities',
    ],
    [
      'an unknown field',
      (o: K8sObject[]) => ((api(o).spec as Record<string, unknown>).replica = 2),
      'strict decoding error: unknown field "spec.replica"',
    ],
    [
      'a field of the wrong type',
      (o: K8sObject[]) => ((api(o).spec as Record<string, unknown>).replicas = 'two'),
      'cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas',
    ],
    [
      'an object in a namespace that does not exist',
      (o: K8sObject[]) => (api(o).metadata.namespace = 'nowhere'),
      'namespaces "nowhere" not found',
    ],
  ])('refuses %s', async (_, edit, expected) => {
    const problems = await dryRun(system(edit));
    expect(problems.join('\n')).toContain(expected);
  });

  it('has kubeconform refuse an unknown field with the schemas the API server gives', async () => {
    const dir = process.env.TALLER_CONTROL_PLANE!;
    expect(await writeSchemas(join(dir, 'schemas'))).toBeGreaterThan(50);
    writeFileSync(join(dir, 'good.yaml'), system());
    writeFileSync(
      join(dir, 'bad.yaml'),
      system((o) => Object.assign(container(o).securityContext!, { bogus: true })),
    );
    expect(await kubeconform(join(dir, 'schemas'), [join(dir, 'good.yaml')])).toEqual([]);
    expect((await kubeconform(join(dir, 'schemas'), [join(dir, 'bad.yaml')])).join('\n')).toContain(
      "additional properties 'bogus' not allowed",
    );
  });
});
