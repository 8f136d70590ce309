// From Deployment objects to the rollout markers of a run's chart: a new revision starts a
// rollout, complete once every wanted pod runs it and no old pod is left; scaling is no rollout.
import { describe, expect, it } from 'vitest';
import {
  rolloutChange,
  rolloutState,
  type DeploymentObject,
  type RolloutState,
} from '../src/kube/rollout.js';

function deployment(
  revision: string,
  generation: number,
  replicas: number,
  status: DeploymentObject['status'],
): DeploymentObject {
  return {
    metadata: {
      name: 'fullstack-api',
      generation,
      annotations: { 'deployment.kubernetes.io/revision': revision },
    },
    spec: { replicas },
    status: { observedGeneration: generation, ...status },
  };
}

/** Each look's state given the one before, and what changed at each step. */
function follow(objects: DeploymentObject[]) {
  const states: RolloutState[] = [];
  for (const object of objects) states.push(rolloutState(object, states.at(-1)));
  return {
    complete: states.map((state) => state.complete),
    changes: states.slice(1).map((state, i) => rolloutChange(states[i]!, state)),
  };
}

describe('rollouts', () => {
  it('a rollout restart (maxSurge 1, maxUnavailable 0) is marked when it starts and ends', () => {
    expect(
      follow([
        deployment('4', 4, 2, { replicas: 2, updatedReplicas: 2 }),
        deployment('5', 5, 2, { replicas: 3, updatedReplicas: 1 }),
        deployment('5', 5, 2, { replicas: 3, updatedReplicas: 2 }),
        deployment('5', 5, 2, { replicas: 2, updatedReplicas: 2 }),
        deployment('5', 5, 2, { replicas: 2, updatedReplicas: 2 }),
      ]),
    ).toEqual({
      complete: [true, false, false, true, true],
      changes: [
        'fullstack-api: rollout to revision 5',
        undefined,
        'fullstack-api: rolled out',
        undefined,
      ],
    });
  });

  it('a rollout seen only once it is done is one complete rollout', () => {
    expect(
      follow([
        deployment('4', 4, 2, { replicas: 2, updatedReplicas: 2 }),
        deployment('5', 5, 2, { replicas: 2, updatedReplicas: 2 }),
      ]).changes,
    ).toEqual(['fullstack-api: rollout to revision 5 complete']);
  });

  it('an HPA scaling the Deployment up and down is no rollout', () => {
    expect(
      follow([
        deployment('5', 5, 2, { replicas: 2, updatedReplicas: 2 }),
        deployment('5', 6, 4, { replicas: 2, updatedReplicas: 2 }),
        deployment('5', 6, 4, { replicas: 4, updatedReplicas: 4 }),
        deployment('5', 7, 2, { replicas: 4, updatedReplicas: 4 }),
        deployment('5', 7, 2, { replicas: 2, updatedReplicas: 2 }),
      ]).changes,
    ).toEqual([undefined, undefined, undefined, undefined]);
  });
});
