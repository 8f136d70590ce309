// Follows a namespace's HPAs and KEDA ScaledObjects, and the rollouts of its Deployments, through
// the Kubernetes API, credentials found as kubectl finds them (KUBECONFIG, ~/.kube/config, or the
// pod's service account in a cluster).
// It lists every couple of seconds rather than holding a watch open: the HPA controller updates
// status every 15 s, and a list can never miss or reorder an event.
import { AppsV1Api, AutoscalingV2Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Marker } from '../svg.js';
import {
  describeHpa,
  describeScaledObject,
  hpaSample,
  scaledObjectSample,
  type HpaSample,
  type ScaledObject,
  type ScaledObjectSample,
} from './hpa.js';
import { rolloutChange, rolloutState, type RolloutState } from './rollout.js';

const POLL_MS = 2000;

export class ClusterWatch {
  readonly hpaSamples: HpaSample[] = [];
  readonly latest = new Map<string, HpaSample>();
  readonly scaledObjects = new Map<string, ScaledObjectSample>();
  /** A rollout beginning or completing, when it was seen. */
  readonly rollouts: Marker[] = [];
  private readonly deployments = new Map<string, RolloutState>();
  private readonly apps: AppsV1Api;
  private readonly autoscaling: AutoscalingV2Api;
  private readonly custom: CustomObjectsApi;
  private timer: NodeJS.Timeout | undefined;
  private keda = true;
  private lastError = '';

  constructor(
    readonly namespace: string,
    /** Seconds since the run started. */
    private readonly clock: () => number,
    /** Called with a line for every HPA or ScaledObject whose state changed. */
    private readonly onChange: (line: string) => void,
  ) {
    const config = new KubeConfig();
    try {
      config.loadFromDefault();
    } catch (error) {
      throw new Error(`cannot load a kubeconfig: ${(error as Error).message}`, { cause: error });
    }
    this.apps = config.makeApiClient(AppsV1Api);
    this.autoscaling = config.makeApiClient(AutoscalingV2Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  /** The first look fails loudly (no cluster, no permission); later failures are logged and retried. */
  async start(): Promise<void> {
    await this.poll().catch((error: unknown) => {
      throw new Error(`cannot follow the autoscalers of ${this.namespace}: ${apiError(error)}`, {
        cause: error,
      });
    });
    const next = () => {
      this.timer = setTimeout(() => {
        this.poll().then(next, (error: unknown) => {
          const message = apiError(error);
          if (message !== this.lastError) this.onChange(`watch: ${message}`);
          this.lastError = message;
          next();
        });
      }, POLL_MS);
    };
    next();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    const at = this.clock();
    const list = await this.autoscaling.listNamespacedHorizontalPodAutoscaler({
      namespace: this.namespace,
    });
    for (const object of list.items) {
      const sample = hpaSample(object, at);
      const line = describeHpa(sample);
      const before = this.latest.get(sample.name);
      if (!before || describeHpa(before) !== line) this.onChange(line);
      this.latest.set(sample.name, sample);
      this.hpaSamples.push(sample);
    }
    if (this.keda) await this.pollScaledObjects(at);
    await this.pollDeployments(at);
  }

  private async pollDeployments(at: number): Promise<void> {
    const list = await this.apps.listNamespacedDeployment({ namespace: this.namespace });
    for (const object of list.items) {
      const before = this.deployments.get(object.metadata?.name ?? '?');
      const state = rolloutState(object, before);
      const change = before && rolloutChange(before, state);
      if (change) {
        this.onChange(`deployment ${change}`);
        this.rollouts.push({ at, label: change });
      }
      this.deployments.set(state.name, state);
    }
  }

  private async pollScaledObjects(at: number): Promise<void> {
    let items: ScaledObject[];
    try {
      const list = (await this.custom.listNamespacedCustomObject({
        group: 'keda.sh',
        version: 'v1alpha1',
        namespace: this.namespace,
        plural: 'scaledobjects',
      })) as { items: ScaledObject[] };
      items = list.items;
    } catch (error) {
      // No KEDA in this cluster (404): nothing to follow but the HPAs.
      if ((error as { code?: number }).code === 404) {
        this.keda = false;
        return;
      }
      throw error;
    }
    for (const object of items) {
      const sample = scaledObjectSample(object, at);
      const before = this.scaledObjects.get(sample.name);
      if (!before || describeScaledObject(before) !== describeScaledObject(sample)) {
        this.onChange(describeScaledObject(sample));
      }
      this.scaledObjects.set(sample.name, sample);
    }
  }
}

/** The API server's own message ("forbidden: ...") rather than the client's dump of the body. */
function apiError(error: unknown): string {
  const { code, body, message } = error as { code?: number; body?: unknown; message?: string };
  if (code === undefined) return message ?? String(error);
  const parsed = typeof body === 'string' ? (JSON.parse(body || '{}') as { message?: string }) : {};
  return `HTTP ${code}${parsed.message ? `: ${parsed.message}` : ''}`;
}
