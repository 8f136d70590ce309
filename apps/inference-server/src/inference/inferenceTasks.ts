// Messages between the main thread and the inference worker threads.
import type { BackendChoice, BackendOptions } from './backend.js';

/** A named tensor of a model's signature; `-1` marks the batch dimension. */
export interface TensorSpec {
  /** The signature key: the Keras input or output layer name. */
  name: string;
  /** The graph tensor it maps to (informational, as in TF Serving's metadata). */
  tensorName: string;
  dtype: 'float32';
  shape: number[];
}

/** The one signature served per model (`serving_default`): one input, one output. */
export interface Signature {
  input: TensorSpec;
  output: TensorSpec;
}

export interface WorkerOptions extends BackendOptions {
  /** Batch sizes run once on every model load, so no request pays for first-use allocation. */
  warmupBatchSizes: number[];
  /** Added to the thread's nice value, so the event loop wins the CPU from inference. */
  niceIncrement: number;
}

/** Runs one batch; `input` holds `rows` instances back to back. */
export interface PredictTask {
  kind: 'predict';
  path: string;
  rows: number;
  input: Float32Array;
}

export interface PredictReply {
  output: Float32Array;
  computeMs: number;
}

/**
 * Makes the thread hold exactly the models at `paths` (loading and warming new ones, disposing
 * the rest), then waits at `barrier` until `parties` threads have done the same: each thread
 * takes one such task at a time, so the pool's threads all run it.
 */
export interface SyncTask {
  kind: 'sync';
  paths: string[];
  barrier: SharedArrayBuffer;
  parties: number;
  timeoutMs: number;
}

export interface SyncReply {
  threadId: number;
  backend: BackendChoice;
  loaded: Record<string, { signature: Signature; loadMs: number }>;
  errors: Record<string, string>;
  /** False when the other threads did not all arrive in time (one may have died). */
  synchronized: boolean;
}

export type InferenceTask = PredictTask | SyncTask;
