// Charts and raw manifests must give the same system: the same objects (kind/name) and, for every
// workload, the same pod template. Differences are allowed only where an exceptions file says why.
import { isDeepStrictEqual } from 'node:util';
import { field, ref, workloads, type K8sObject } from './objects.js';

export interface ParityException {
  /** `Kind/name`. */
  object: string;
  /** A dotted path inside the pod template (`spec.containers.api.image`), or absent for the whole object. */
  path?: string;
  /** `dev` or `prod` when it applies to one pair only. */
  variant?: string;
  reason: string;
}

// Labels and annotations that only say which tool made the object.
const TOOL_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version'];

/** Arrays of named things (containers, env, volumes, ports) compared by name, not by position. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const named = value.every(
      (item) =>
        item !== null &&
        typeof item === 'object' &&
        typeof (item as { name?: unknown }).name === 'string',
    );
    if (named) {
      return Object.fromEntries(
        (value as { name: string }[]).map((item) => [item.name, normalise(item)]),
      );
    }
    return value.map(normalise);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key, item]) => item !== undefined && !TOOL_LABELS.includes(key))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, normalise(item)]),
    );
  }
  return value;
}

function differences(a: unknown, b: unknown, path: string): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((key) => differences(left[key], right[key], path ? `${path}.${key}` : key));
  }
  return [path];
}

function podTemplates(objects: K8sObject[]): Map<string, unknown> {
  return new Map(
    workloads(objects).map(({ object, template }) => [ref(object), normalise(template)]),
  );
}

/** Every difference between two renders of the same system, less the listed exceptions. */
export function parityProblems(
  helm: K8sObject[],
  kustomize: K8sObject[],
  exceptions: ParityException[],
): string[] {
  const found: { object: string; path?: string; text: string }[] = [];
  const helmNames = new Set(helm.map(ref));
  const kustomizeNames = new Set(kustomize.map(ref));
  for (const name of helmNames)
    if (!kustomizeNames.has(name))
      found.push({ object: name, text: `${name} is only in the chart` });
  for (const name of kustomizeNames)
    if (!helmNames.has(name))
      found.push({ object: name, text: `${name} is only in the manifests` });

  const helmPods = podTemplates(helm);
  const kustomizePods = podTemplates(kustomize);
  for (const [name, template] of helmPods) {
    if (!kustomizePods.has(name)) continue;
    for (const path of differences(template, kustomizePods.get(name), '')) {
      found.push({ object: name, path, text: `${name} pod template differs at ${path}` });
    }
  }
  for (const object of helm) {
    const other = kustomize.find((o) => ref(o) === ref(object));
    if (!other || object.kind === 'Namespace') continue;
    const spec = (o: K8sObject) =>
      normalise({ ...o, metadata: undefined, spec: specWithoutTemplate(o) });
    for (const path of differences(spec(object), spec(other), '')) {
      found.push({
        object: ref(object),
        path: `object.${path}`,
        text: `${ref(object)} differs at ${path}`,
      });
    }
  }

  const excused = (item: { object: string; path?: string }) =>
    exceptions.some(
      (e) => e.object === item.object && (!e.path || (item.path ?? '').startsWith(e.path)),
    );
  const stale = exceptions.filter(
    (e) =>
      !found.some(
        (item) => item.object === e.object && (!e.path || (item.path ?? '').startsWith(e.path)),
      ),
  );
  return [
    ...found.filter((item) => !excused(item)).map((item) => item.text),
    ...stale.map(
      (e) =>
        `the parity exception for ${e.object}${e.path ? ` at ${e.path}` : ''} no longer applies`,
    ),
  ];
}

/** An object's spec without its pod template, which the pod template comparison covers. */
function specWithoutTemplate(object: K8sObject): unknown {
  const spec = field<Record<string, unknown>>(object, 'spec');
  if (!spec) return undefined;
  if (object.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate as { spec?: Record<string, unknown> } | undefined;
    return {
      ...spec,
      jobTemplate: { ...jobTemplate, spec: { ...jobTemplate?.spec, template: undefined } },
    };
  }
  return { ...spec, template: undefined };
}
