import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkObjects } from '../k8s/checks.js';
import { allowedFlows, flowProblems } from '../k8s/network.js';
import type { Container, K8sObject, PodSpec } from '../k8s/objects.js';
import { parityProblems } from '../k8s/parity.js';
import { parseObjects } from '../k8s/render.js';

const FIXTURE = readFileSync(new URL('fixtures/system.yaml', import.meta.url), 'utf8');
const FLOWS = [
  'api -> db:5432/TCP',
  'api -> kube-dns:53/TCP',
  'api -> kube-dns:53/UDP',
  'db -> kube-dns:53/TCP',
  'db -> kube-dns:53/UDP',
  'ingress-nginx/* -> api:3000/TCP',
];

/** A fresh copy of the fixture with one change made by `edit`. */
function system(edit: (objects: K8sObject[]) => void = () => {}): K8sObject[] {
  const objects = parseObjects(FIXTURE);
  edit(objects);
  return objects;
}
const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const podSpec = (objects: K8sObject[], kind = 'Deployment', name = 'api') =>
  (find(objects, kind, name).spec as { template: { spec: PodSpec } }).template.spec;
const container = (objects: K8sObject[]): Container => podSpec(objects).containers[0]!;

describe('the manifest checks', () => {
  it('find nothing wrong in a system that follows every rule', () => {
    expect(checkObjects(system())).toEqual([]);
    expect(flowProblems(allowedFlows(system()), FLOWS)).toEqual([]);
  });

  it.each([
    [
      'a container without limits',
      (o: K8sObject[]) => delete container(o).resources!.limits,
      'Deployment/api container api has no limits.cpu, limits.memory',
    ],
    [
      'a container without requests',
      (o: K8sObject[]) => delete container(o).resources,
      'has no requests.cpu, requests.memory, limits.cpu, limits.memory',
    ],
    [
      'an init container without resources',
      (o: K8sObject[]) =>
        (podSpec(o).initContainers = [{ ...container(o), name: 'migrate', resources: {} }]),
      'container migrate has no requests.cpu',
    ],
    [
      'a missing liveness probe',
      (o: K8sObject[]) => delete container(o).livenessProbe,
      'container api has no livenessProbe',
    ],
    [
      'a missing readiness probe',
      (o: K8sObject[]) => delete container(o).readinessProbe,
      'container api has no readinessProbe',
    ],
    [
      'the latest tag',
      (o: K8sObject[]) => (container(o).image = 'taller/api:latest'),
      'image taller/api:latest uses the latest tag',
    ],
    [
      'an image without a tag',
      (o: K8sObject[]) => (container(o).image = 'registry:5000/taller/api'),
      'image registry:5000/taller/api has no tag',
    ],
    [
      'a pod that may run as root',
      (o: K8sObject[]) => delete podSpec(o).securityContext!.runAsNonRoot,
      'may run as root',
    ],
    [
      'a writable root filesystem',
      (o: K8sObject[]) => delete container(o).securityContext!.readOnlyRootFilesystem,
      'has a writable root filesystem',
    ],
    [
      'privilege escalation',
      (o: K8sObject[]) => (container(o).securityContext!.allowPrivilegeEscalation = true),
      'allows privilege escalation',
    ],
    [
      'kept capabilities',
      (o: K8sObject[]) => (container(o).securityContext!.capabilities = {}),
      'keeps capabilities',
    ],
    [
      'no seccomp profile',
      (o: K8sObject[]) => delete podSpec(o).securityContext!.seccompProfile,
      'has no RuntimeDefault seccomp profile',
    ],
    [
      'a Service that selects no pod',
      (o: K8sObject[]) =>
        ((find(o, 'Service', 'api').spec as { selector: object }).selector = {
          'app.kubernetes.io/name': 'apii',
        }),
      'Service/api selects no pod template',
    ],
    [
      'a PDB that selects no pod',
      (o: K8sObject[]) =>
        ((find(o, 'PodDisruptionBudget', 'api').spec as { selector: object }).selector = {
          matchLabels: { app: 'x' },
        }),
      'PodDisruptionBudget/api selects no pod template',
    ],
    [
      'an HPA whose target does not exist',
      (o: K8sObject[]) =>
        ((
          find(o, 'HorizontalPodAutoscaler', 'api').spec as { scaleTargetRef: { name: string } }
        ).scaleTargetRef.name = 'ap'),
      'HorizontalPodAutoscaler/api scales Deployment/ap, which does not exist',
    ],
    [
      'a missing ConfigMap',
      (o: K8sObject[]) => o.splice(o.indexOf(find(o, 'ConfigMap', 'api')), 1),
      'Deployment/api refers to ConfigMap/api, which does not exist',
    ],
    [
      'a missing Secret',
      (o: K8sObject[]) => o.splice(o.indexOf(find(o, 'Secret', 'credentials')), 1),
      'Deployment/api refers to Secret/credentials, which does not exist',
    ],
    [
      'a missing ServiceAccount',
      (o: K8sObject[]) => (podSpec(o).serviceAccountName = 'nobody'),
      'refers to ServiceAccount/nobody, which does not exist',
    ],
    [
      'a missing claim',
      (o: K8sObject[]) =>
        (podSpec(o).volumes = [{ name: 'd', persistentVolumeClaim: { claimName: 'gone' } }]),
      'refers to PersistentVolumeClaim/gone',
    ],
    [
      'an object defined twice',
      (o: K8sObject[]) => o.push(structuredClone(find(o, 'ConfigMap', 'api'))),
      'ConfigMap/api is defined twice',
    ],
  ])('report %s', (_name, edit, expected) => {
    const problems = checkObjects(system(edit));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(expected);
  });

  it('accept references to objects made out of band when told so', () => {
    const objects = system((o) => o.splice(o.indexOf(find(o, 'Secret', 'credentials')), 1));
    expect(checkObjects(objects, { external: ['Secret/credentials'] })).toEqual([]);
  });

  it('do not ask probes of pods that run to completion', () => {
    const objects = system((o) => {
      const job = structuredClone(find(o, 'Deployment', 'api'));
      Object.assign(job, { kind: 'Job', apiVersion: 'batch/v1' });
      const spec = (job.spec as { template: { spec: PodSpec } }).template.spec;
      delete spec.containers[0]!.livenessProbe;
      delete spec.containers[0]!.readinessProbe;
      o.push(job);
    });
    expect(checkObjects(objects)).toEqual([]);
  });
});

describe('the NetworkPolicy flows', () => {
  it('report a flow the policies block', () => {
    const objects = system((o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'db')), 1));
    expect(flowProblems(allowedFlows(objects), FLOWS)).toEqual([
      'NetworkPolicies block api -> db:5432/TCP',
    ]);
  });

  it('report a flow the policies allow that no app needs', () => {
    const objects = system((o) => {
      // The database accepts anyone on any port: the ingress controller's namespace included.
      (find(o, 'NetworkPolicy', 'db').spec as { ingress: object[] }).ingress = [{}];
    });
    expect(flowProblems(allowedFlows(objects), FLOWS)).toEqual([
      'NetworkPolicies allow ingress-nginx/* -> db:5432/TCP, which no app needs',
    ]);
  });

  it('see everything allowed when there is no policy at all', () => {
    const objects = system((o) =>
      o.splice(0, o.length, ...o.filter((x) => x.kind !== 'NetworkPolicy')),
    );
    expect(allowedFlows(objects)).toContain('db -> api:3000/TCP');
  });
});

describe('the parity check', () => {
  it('finds no difference between a system and itself', () => {
    expect(parityProblems(system(), system(), [])).toEqual([]);
  });

  it('ignores the labels only a tool adds, and the order of named lists', () => {
    const helm = system((o) => {
      (
        find(o, 'Deployment', 'api').spec as {
          template: { metadata: { labels: Record<string, string> } };
        }
      ).template.metadata.labels['helm.sh/chart'] = 'x-1';
      container(o).env!.reverse();
    });
    expect(parityProblems(helm, system(), [])).toEqual([]);
  });

  it('reports objects on one side only and pod templates that differ', () => {
    const helm = system((o) => {
      container(o).image = 'taller/api:0.2.0';
      o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' } });
    });
    expect(parityProblems(helm, system(), [])).toEqual([
      'ConfigMap/extra is only in the chart',
      'Deployment/api pod template differs at spec.containers.api.image',
    ]);
  });

  it('accepts a listed difference, and reports an exception that no longer applies', () => {
    const helm = system((o) => (container(o).image = 'taller/api:0.2.0'));
    const exception = {
      object: 'Deployment/api',
      path: 'spec.containers.api.image',
      reason: 'test',
    };
    expect(parityProblems(helm, system(), [exception])).toEqual([]);
    expect(parityProblems(system(), system(), [exception])).toEqual([
      'the parity exception for Deployment/api at spec.containers.api.image no longer applies',
    ]);
  });
});
