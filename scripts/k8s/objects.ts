// The Kubernetes objects the checks read, typed only as far as they read them.

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [field: string]: unknown;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type?: string };
  };
  env?: {
    name: string;
    valueFrom?: {
      configMapKeyRef?: { name: string; optional?: boolean };
      secretKeyRef?: { name: string; optional?: boolean };
    };
  }[];
  envFrom?: {
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }[];
}

interface VolumeSource {
  configMap?: { name: string; optional?: boolean };
  secret?: { secretName: string; optional?: boolean };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  volumes?: (VolumeSource & {
    name: string;
    persistentVolumeClaim?: { claimName: string };
    projected?: { sources: VolumeSource[] };
  })[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}

/** A workload: the object that owns pods, and the template its pods are made from. */
export interface Workload {
  object: K8sObject;
  template: PodTemplate;
  /** Pods that run to completion (Jobs, CronJobs, test pods) need no liveness or readiness probe. */
  runsToCompletion: boolean;
}

/** `Kind/name`, the way the checks name an object. */
export const ref = (object: K8sObject) => `${object.kind}/${object.metadata.name}`;

function field<T>(value: unknown, ...path: string[]): T | undefined {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current as T | undefined;
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects.flatMap((object): Workload[] => {
    switch (object.kind) {
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet': {
        const template = field<PodTemplate>(object, 'spec', 'template');
        return template ? [{ object, template, runsToCompletion: false }] : [];
      }
      case 'Job': {
        const template = field<PodTemplate>(object, 'spec', 'template');
        return template ? [{ object, template, runsToCompletion: true }] : [];
      }
      case 'CronJob': {
        const template = field<PodTemplate>(object, 'spec', 'jobTemplate', 'spec', 'template');
        return template ? [{ object, template, runsToCompletion: true }] : [];
      }
      case 'Pod': {
        const spec = field<PodSpec>(object, 'spec');
        if (!spec) return [];
        const restart = spec.restartPolicy ?? 'Always';
        const template = { metadata: { labels: object.metadata.labels ?? {} }, spec };
        return [{ object, template, runsToCompletion: restart !== 'Always' }];
      }
      default:
        return [];
    }
  });
}

export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** Whether `labels` satisfy `selector` (matchLabels and the four matchExpressions operators). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}) {
  if (!selector) return false;
  const plain = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const expressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return false;
    }
  });
  return plain && expressions;
}

export { field };
