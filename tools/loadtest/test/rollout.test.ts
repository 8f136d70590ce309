// From Deployment objects to the rollout markers of a run's chart: a new revision starts a
// rollout, and it is complete once every wanted pod is updated and available and no old one is left.
import { describe, expect, it } from 'vitest';
import { rolloutChange, rolloutState, type DeploymentObject } from '../src/kube/rollout.js';

function deployment(
  revision: string,
  generation: number,
  status: DeploymentObject['status'],
): DeploymentObject {
  return {
    metadata: {
      name: 'fullstack-api',
      generation,
      annotations: { 'deployment.kubernetes.io/revision': revision },
    },
    spec: { replicas: 2 },
    status,
  };
}

// A `kubectl rollout restart` with maxSurge 1 and maxUnavailable 0, look by look.
const looks = [
  deployment('4', 4, {
    observedGeneration: 4,
    replicas: 2,
    updatedReplicas: 2,
    availableReplicas: 2,
  }),
  deployment('5', 5, {
    observedGeneration: 5,
    replicas: 3,
    updatedReplicas: 1,
    availableReplicas: 2,
  }),
  deployment('5', 5, {
    observedGeneration: 5,
    replicas: 3,
    updatedReplicas: 2,
    availableReplicas: 3,
  }),
  deployment('5', 5, {
    observedGeneration: 5,
    replicas: 2,
    updatedReplicas: 2,
    availableReplicas: 2,
  }),
  deployment('5', 5, {
    observedGeneration: 5,
    replicas: 2,
    updatedReplicas: 2,
    availableReplicas: 2,
  }),
].map(rolloutState);

describe('rollouts', () => {
  it('are complete only when every wanted pod is new and available and no old pod is left', () => {
    expect(looks.map((look) => look.complete)).toEqual([true, false, false, true, true]);
  });

  it('are reported when a new revision appears and when it is complete, once each', () => {
    const changes = looks.slice(1).map((look, i) => rolloutChange(looks[i]!, look));
    expect(changes).toEqual([
      'fullstack-api: rollout to revision 5',
      undefined,
      'fullstack-api: rolled out',
      undefined,
    ]);
  });

  it('a rollout seen only once it is done is reported as a complete one', () => {
    expect(rolloutChange(looks[0]!, looks[3]!)).toBe(
      'fullstack-api: rollout to revision 5 complete',
    );
  });
});
