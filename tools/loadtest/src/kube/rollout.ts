// Deployments (apps/v1) as the API server returns them (only the fields read here), turned into
// rollout states, so that a run's chart can mark when a rollout began and when it was complete.

export interface DeploymentObject {
  metadata?: { name?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

export interface RolloutState {
  name: string;
  /** The Deployment's revision (its annotation): it moves on with every new pod template. */
  revision: string;
  /** Every pod runs the current template and is available, and no old pod is left. */
  complete: boolean;
}

export function rolloutState(deployment: DeploymentObject): RolloutState {
  const { metadata = {}, spec = {}, status = {} } = deployment;
  const wanted = spec.replicas ?? 1;
  return {
    name: metadata.name ?? '?',
    revision: metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?',
    complete:
      (status.observedGeneration ?? 0) >= (metadata.generation ?? 0) &&
      (status.updatedReplicas ?? 0) === wanted &&
      (status.replicas ?? 0) === wanted &&
      (status.availableReplicas ?? 0) === wanted,
  };
}

/** What changed between two looks at one Deployment, as a line for the log and the chart. */
export function rolloutChange(before: RolloutState, after: RolloutState): string | undefined {
  if (after.revision !== before.revision) {
    return `${after.name}: rollout to revision ${after.revision}${after.complete ? ' complete' : ''}`;
  }
  if (after.complete && !before.complete) return `${after.name}: rolled out`;
  return undefined;
}
