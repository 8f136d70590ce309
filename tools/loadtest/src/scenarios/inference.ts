// The inference server: a quiet baseline, a spike of predictions well past what one replica
// serves, and back, which is what a requests-per-second HPA has to follow.
import type { Scenario } from './scenario.js';

// A vertical stroke: a valid 28x28 image in [0, 1], like a hand-drawn "1".
const stroke = Array.from({ length: 28 }, (_, row) =>
  Array.from({ length: 28 }, (_, col) => (col === 14 && row > 4 && row < 24 ? 1 : 0)),
);

export const inference: Scenario = {
  name: 'inference',
  description: 'a spike of POST /v1/models/mnist:predict between two quiet baselines',
  targetVariable: 'INFERENCE_URL',
  defaultTarget: 'http://localhost:3003',
  stages: [
    { name: 'baseline', share: 0.2, connections: 1 / 16, rate: 1 / 16 },
    { name: 'spike', share: 0.5, connections: 1, rate: 1 },
    { name: 'after', share: 0.3, connections: 1 / 16, rate: 1 / 16 },
  ],
  peak: { connections: 32, rate: 0 },
  prepare: () => ({
    requests: [
      {
        method: 'POST',
        path: '/v1/models/mnist:predict',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [stroke] }),
      },
    ],
  }),
};
