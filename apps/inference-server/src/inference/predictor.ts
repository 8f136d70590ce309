import { ApiError } from '@taller/telemetry';
import type { InferenceMetrics } from '../metrics.js';
import type { AvailableVersion, ModelCatalog } from '../models/modelCatalog.js';
import type { PredictBatcher } from './predictBatcher.js';

/**
 * The one way every API (REST and gRPC) predicts: find the served version, count the request for
 * the HPA, and run its instances through the shared batcher. Errors are ApiErrors (a full queue
 * an OverloadedError) whose status each API turns into its own (a gRPC status code for gRPC).
 */
export class Predictor {
  constructor(
    readonly catalog: ModelCatalog,
    readonly batcher: PredictBatcher,
    readonly metrics: InferenceMetrics,
  ) {}

  /** The version a request names, or the latest available one. */
  find(name: string, version?: number): AvailableVersion {
    const lookup = this.catalog.lookup(name, version);
    if ('found' in lookup) return lookup.found;
    throw lookup.status === 503
      ? notReady(lookup.error)
      : new ApiError(404, 'not_found', lookup.error);
  }

  /** `find`, counted as a predict request for that model. */
  accept(name: string, version?: number): AvailableVersion {
    const served = this.find(name, version);
    this.metrics.requests.inc({ model: served.model });
    return served;
  }

  /** `rows` instances back to back in `input`, their output rows back to back. */
  predict(
    served: AvailableVersion,
    rows: number,
    input: Float32Array,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    return this.batcher.predict(served, rows, input, signal);
  }
}

/** Not ready to serve yet (models loading): 503 with Retry-After. */
export function notReady(message: string): ApiError {
  return new ApiError(503, 'unavailable', message, { headers: { 'retry-after': '1' } });
}
