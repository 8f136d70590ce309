// Deployments (apps/v1) as the API server returns them (only the fields read here), turned into
// rollout states, so that a run's chart can mark when a rollout began and when it was complete.

export interface DeploymentObject {
  metadata?: { name?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
  };
}

export interface RolloutState {
  name: string;
  /** The Deployment's revision (its annotation): it moves on with every new pod template. */
  revision: string;
  /** Every wanted pod runs the current template and no old pod is left. */
  complete: boolean;
  /** The last revision seen complete: a scaling of it is no rollout. */
  doneRevision?: string | undefined;
}

/** The Deployment's rollout as of this look, `before` being the previous look. */
export function rolloutState(deployment: DeploymentObject, before?: RolloutState): RolloutState {
  const { metadata = {}, spec = {}, status = {} } = deployment;
  const wanted = spec.replicas ?? 1;
  const revision = metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?';
  // With maxUnavailable 0 the last old pod goes only once every new one is available.
  const complete =
    (status.observedGeneration ?? 0) >= (metadata.generation ?? 0) &&
    (status.updatedReplicas ?? 0) === wanted &&
    (status.replicas ?? 0) === wanted;
  return {
    name: metadata.name ?? '?',
    revision,
    complete,
    doneRevision: complete ? revision : before?.doneRevision,
  };
}

/** What changed between two looks at one Deployment, as a line for the log and the chart. */
export function rolloutChange(before: RolloutState, after: RolloutState): string | undefined {
  if (after.revision !== before.revision) {
    return `${after.name}: rollout to revision ${after.revision}${after.complete ? ' complete' : ''}`;
  }
  if (after.complete && before.doneRevision !== after.revision) return `${after.name}: rolled out`;
  return undefined;
}
