import type { DependencyCheck } from '@taller/health';
import type { InferencePool } from './inference/inferencePool.js';
import type { PredictBatcher } from './inference/predictBatcher.js';
import type { ModelCatalog } from './models/modelCatalog.js';

/** What /readyz reports: every model has an available version; the backend and the queue. */
export function dependencyChecks(
  catalog: ModelCatalog,
  pool: InferencePool,
  batcher: PredictBatcher,
): DependencyCheck[] {
  return [
    {
      name: 'models',
      reportDetails: true,
      check: async () => {
        const { ready, problem, models } = catalog.readiness();
        if (!ready) throw new Error(problem);
        return models;
      },
    },
    {
      name: 'inference',
      reportDetails: true,
      check: async () => ({
        backend: pool.backend.name,
        simd: pool.backend.simd,
        threads: pool.threads,
        queuedRequests: batcher.queuedRequests,
      }),
    },
  ];
}
