// HorizontalPodAutoscaler (autoscaling/v2) and KEDA ScaledObject objects as the API server returns
// them (only the fields read here), turned into samples: replicas and "current/target" per metric.

interface MetricTarget {
  type?: string;
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

interface MetricValue {
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

interface MetricSource<T> {
  name?: string;
  metric?: { name?: string };
  target?: T;
  current?: T;
}

interface Metric<T> {
  type: string;
  resource?: MetricSource<T>;
  containerResource?: MetricSource<T>;
  pods?: MetricSource<T>;
  object?: MetricSource<T>;
  external?: MetricSource<T>;
}

export interface HpaObject {
  metadata?: { name?: string };
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: Metric<MetricTarget>[];
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: Metric<MetricValue>[] | null;
  };
}

export interface ScaledObject {
  metadata?: { name?: string };
  spec?: {
    scaleTargetRef?: { name?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers?: { type?: string }[];
  };
  status?: {
    hpaName?: string;
    conditions?: { type?: string; status?: string }[];
  };
}

export interface HpaSample {
  /** Seconds since the run started. */
  at: number;
  name: string;
  target: string;
  min: number;
  max: number;
  /** Pods the target has (status.currentReplicas; omitted by the API when 0). */
  current: number;
  desired: number;
  /** One `name current/target` per metric, e.g. `cpu 85%/70%`. */
  metrics: string[];
}

export interface ScaledObjectSample {
  at: number;
  name: string;
  target: string;
  /** The HPA KEDA made for it (keda-hpa-<name>), whose replicas are followed like any other. */
  hpaName: string;
  min: number;
  max: number;
  active: boolean;
  triggers: string[];
}

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
};

/** A Kubernetes quantity (`700m`, `12`, `1.5k`, `64Mi`) as a number. */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const [, number = '', suffix = ''] = /^([+-]?[\d.]+(?:e[+-]?\d+)?)([a-zA-Z]*)$/.exec(value) ?? [];
  const factor = suffix === '' ? 1 : SUFFIXES[suffix];
  return factor === undefined || number === '' ? Number.NaN : Number(number) * factor;
}

const show = (value: number) => (Number.isNaN(value) ? '?' : String(Number(value.toFixed(2))));

function metricValue(value: MetricValue | MetricTarget | undefined): string {
  if (value?.averageUtilization !== undefined) return `${value.averageUtilization}%`;
  const amount = value?.averageValue ?? value?.value;
  return amount === undefined ? '?' : show(quantity(amount));
}

const sourceOf = <T>(metric: Metric<T>): MetricSource<T> =>
  metric.resource ??
  metric.containerResource ??
  metric.pods ??
  metric.object ??
  metric.external ??
  {};
const metricName = <T>(source: MetricSource<T>) => source.name ?? source.metric?.name ?? '?';

export function hpaSample(object: HpaObject, at: number): HpaSample {
  const current = object.status?.currentMetrics ?? [];
  const metrics = (object.spec?.metrics ?? []).map((metric) => {
    const source = sourceOf(metric);
    const name = metricName(source);
    const status = current.find((m) => m.type === metric.type && metricName(sourceOf(m)) === name);
    return `${name} ${metricValue(status && sourceOf(status).current)}/${metricValue(source.target)}`;
  });
  const target = object.spec?.scaleTargetRef;
  return {
    at,
    name: object.metadata?.name ?? '?',
    target: `${target?.kind ?? 'Deployment'}/${target?.name ?? '?'}`,
    min: object.spec?.minReplicas ?? 1,
    max: object.spec?.maxReplicas ?? 0,
    current: object.status?.currentReplicas ?? 0,
    desired: object.status?.desiredReplicas ?? 0,
    metrics,
  };
}

export function scaledObjectSample(object: ScaledObject, at: number): ScaledObjectSample {
  const name = object.metadata?.name ?? '?';
  return {
    at,
    name,
    target: object.spec?.scaleTargetRef?.name ?? '?',
    hpaName: object.status?.hpaName ?? `keda-hpa-${name}`,
    min: object.spec?.minReplicaCount ?? 0,
    max: object.spec?.maxReplicaCount ?? 100,
    active:
      object.status?.conditions?.some((c) => c.type === 'Active' && c.status === 'True') ?? false,
    triggers: (object.spec?.triggers ?? []).map((trigger) => trigger.type ?? '?'),
  };
}

/** One line for the live view and the plain log. */
export const describeHpa = (s: HpaSample) =>
  `hpa ${s.name}: ${s.current} replica${s.current === 1 ? '' : 's'}` +
  `${s.desired !== s.current ? ` → ${s.desired}` : ''} ` +
  `(${s.min}-${s.max})${s.metrics.length > 0 ? `  ${s.metrics.join('  ')}` : ''}`;

export const describeScaledObject = (s: ScaledObjectSample) =>
  `scaledobject ${s.name}: ${s.active ? 'active' : 'idle'} (${s.triggers.join(', ')}; ` +
  `${s.min}-${s.max} replicas of ${s.target} through hpa ${s.hpaName})`;
