import { HttpError } from '../http/httpError.js';
import type { AvailableVersion, ModelCatalog } from '../models/modelCatalog.js';
import type { InferenceMetrics } from './inferenceMetrics.js';
import { type PredictBatcher, QueueFullError } from './predictBatcher.js';

/**
 * The one way every API (REST and gRPC) predicts: find the served version, count the request for
 * the HPA, and run its instances through the shared batcher. Errors are HttpErrors whose status
 * each API turns into its own (a gRPC status code for gRPC).
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
      : new HttpError(lookup.status, lookup.error);
  }

  /** `find`, counted as a predict request for that model. */
  accept(name: string, version?: number): AvailableVersion {
    const served = this.find(name, version);
    this.metrics.requests.inc({ model: served.model });
    return served;
  }

  /** `rows` instances back to back in `input`, their output rows back to back. */
  async predict(
    served: AvailableVersion,
    rows: number,
    input: Float32Array,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    try {
      return await this.batcher.predict(served, rows, input, signal);
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new HttpError(503, error.message, {
          'retry-after': String(error.retryAfterSeconds),
        });
      }
      throw error;
    }
  }
}

export function notReady(message: string): HttpError {
  return new HttpError(503, message, { 'retry-after': '1' });
}
