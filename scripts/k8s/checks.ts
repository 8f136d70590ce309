// The project's own rules over rendered objects, beyond what the API server validates: every
// container bounded, probed, pinned and locked down, and every name an object refers to present.
import {
  allContainers,
  field,
  ref,
  selects,
  workloads,
  type Container,
  type K8sObject,
  type LabelSelector,
  type PodSpec,
  type Workload,
} from './objects.js';

export interface CheckOptions {
  /** Objects made out of band (`Secret/fullstack-credentials` in prod): references to them are fine. */
  external?: string[];
}

function imageProblem(image: string | undefined): string | undefined {
  if (!image) return 'has no image';
  if (image.includes('@sha256:')) return undefined;
  const last = image.split('/').pop() ?? '';
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  if (!tag) return `image ${image} has no tag`;
  if (tag === 'latest') return `image ${image} uses the latest tag`;
  return undefined;
}

function resourceProblems(container: Container): string[] {
  const { requests = {}, limits = {} } = container.resources ?? {};
  const missing = [
    ...['cpu', 'memory'].filter((name) => requests[name] === undefined).map((n) => `requests.${n}`),
    ...['cpu', 'memory'].filter((name) => limits[name] === undefined).map((n) => `limits.${n}`),
  ];
  return missing.length > 0 ? [`has no ${missing.join(', ')}`] : [];
}

function securityProblems(container: Container, pod: PodSpec): string[] {
  const context = container.securityContext ?? {};
  const problems: string[] = [];
  if (!(context.runAsNonRoot ?? pod.securityContext?.runAsNonRoot))
    problems.push('may run as root (runAsNonRoot)');
  const seccomp = context.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    problems.push('has no RuntimeDefault seccomp profile');
  if (context.allowPrivilegeEscalation !== false) problems.push('allows privilege escalation');
  if (context.readOnlyRootFilesystem !== true) problems.push('has a writable root filesystem');
  if (!context.capabilities?.drop?.includes('ALL')) problems.push('keeps capabilities (drop ALL)');
  return problems;
}

function containerProblems({ object, template, runsToCompletion }: Workload): string[] {
  const spec = template.spec;
  const problems: string[] = [];
  const report = (container: Container, what: string[]) =>
    what.forEach((problem) =>
      problems.push(`${ref(object)} container ${container.name} ${problem}`),
    );
  for (const container of allContainers(spec)) {
    const image = imageProblem(container.image);
    report(container, [
      ...resourceProblems(container),
      ...securityProblems(container, spec),
      ...(image ? [image] : []),
    ]);
  }
  if (!runsToCompletion) {
    for (const container of spec.containers) {
      const missing = (['livenessProbe', 'readinessProbe'] as const).filter((p) => !container[p]);
      if (missing.length > 0) report(container, [`has no ${missing.join(', ')}`]);
    }
  }
  return problems;
}

/** Every name a pod template refers to: `Kind/name`, optional references left out. */
function references(spec: PodSpec): string[] {
  const names: string[] = [];
  for (const container of allContainers(spec)) {
    for (const { valueFrom } of container.env ?? []) {
      const cm = valueFrom?.configMapKeyRef;
      const secret = valueFrom?.secretKeyRef;
      if (cm && !cm.optional) names.push(`ConfigMap/${cm.name}`);
      if (secret && !secret.optional) names.push(`Secret/${secret.name}`);
    }
    for (const { configMapRef, secretRef } of container.envFrom ?? []) {
      if (configMapRef && !configMapRef.optional) names.push(`ConfigMap/${configMapRef.name}`);
      if (secretRef && !secretRef.optional) names.push(`Secret/${secretRef.name}`);
    }
  }
  for (const volume of spec.volumes ?? []) {
    for (const source of [volume, ...(volume.projected?.sources ?? [])]) {
      if (source.configMap && !source.configMap.optional)
        names.push(`ConfigMap/${source.configMap.name}`);
      if (source.secret && !source.secret.optional)
        names.push(`Secret/${source.secret.secretName}`);
    }
    if (volume.persistentVolumeClaim)
      names.push(`PersistentVolumeClaim/${volume.persistentVolumeClaim.claimName}`);
  }
  if (spec.serviceAccountName && spec.serviceAccountName !== 'default')
    names.push(`ServiceAccount/${spec.serviceAccountName}`);
  return names;
}

/** Claims that a StatefulSet makes from its volumeClaimTemplates are present by construction. */
function claimTemplates(objects: K8sObject[]): Set<string> {
  return new Set(
    objects
      .filter((object) => object.kind === 'StatefulSet')
      .flatMap((object) =>
        (field<{ metadata: { name: string } }[]>(object, 'spec', 'volumeClaimTemplates') ?? []).map(
          (claim) => `PersistentVolumeClaim/${claim.metadata.name}`,
        ),
      ),
  );
}

function referenceProblems(objects: K8sObject[], options: CheckOptions): string[] {
  const present = new Set([
    ...objects.map(ref),
    ...(options.external ?? []),
    ...claimTemplates(objects),
  ]);
  return workloads(objects).flatMap(({ object, template }) =>
    [...new Set(references(template.spec))]
      .filter((name) => !present.has(name))
      .map((name) => `${ref(object)} refers to ${name}, which does not exist`),
  );
}

function selectorProblems(objects: K8sObject[]): string[] {
  const templates = workloads(objects).map(({ template }) => template.metadata?.labels ?? {});
  const problems: string[] = [];
  for (const object of objects) {
    if (object.kind === 'Service') {
      const selector = field<Record<string, string>>(object, 'spec', 'selector');
      if (selector && !templates.some((labels) => selects({ matchLabels: selector }, labels)))
        problems.push(`${ref(object)} selects no pod template`);
    }
    if (object.kind === 'PodDisruptionBudget') {
      const selector = field<LabelSelector>(object, 'spec', 'selector');
      if (!templates.some((labels) => selects(selector, labels)))
        problems.push(`${ref(object)} selects no pod template`);
    }
  }
  return problems;
}

function scaleTargetProblems(objects: K8sObject[]): string[] {
  const present = new Set(objects.map(ref));
  return objects.flatMap((object) => {
    if (object.kind !== 'HorizontalPodAutoscaler' && object.kind !== 'ScaledObject') return [];
    const target = field<{ kind?: string; name: string }>(object, 'spec', 'scaleTargetRef');
    const name = `${target?.kind ?? 'Deployment'}/${target?.name}`;
    return present.has(name) ? [] : [`${ref(object)} scales ${name}, which does not exist`];
  });
}

function duplicateProblems(objects: K8sObject[]): string[] {
  const seen = new Set<string>();
  return objects.flatMap((object) => {
    const name = `${object.metadata.namespace ?? ''}/${ref(object)}`;
    if (seen.has(name)) return [`${ref(object)} is defined twice`];
    seen.add(name);
    return [];
  });
}

/** Every problem found in one rendered set of objects (a chart with its values, an overlay). */
export function checkObjects(objects: K8sObject[], options: CheckOptions = {}): string[] {
  return [
    ...duplicateProblems(objects),
    ...workloads(objects).flatMap(containerProblems),
    ...referenceProblems(objects, options),
    ...selectorProblems(objects),
    ...scaleTargetProblems(objects),
  ];
}
