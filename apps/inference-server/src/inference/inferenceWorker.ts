// A piscina worker thread: its own TensorFlow.js backend and its own copy of every served model.
import { threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { workerData } from 'piscina';
import { readModelArtifacts } from '../models/modelFiles.js';
import { initBackend } from './backend.js';
import { lowerThreadPriority } from './threadPriority.js';
import type {
  InferenceTask,
  PredictReply,
  PredictTask,
  Signature,
  SyncReply,
  SyncTask,
  TensorSpec,
  WorkerOptions,
} from './inferenceTasks.js';

const options = workerData as WorkerOptions;
lowerThreadPriority(options.niceIncrement);
const backendReady = initBackend(options);
// A failed start is reported by every task (the pool's first task fails the server's start).
backendReady.catch(() => undefined);

interface LoadedModel {
  model: tf.LayersModel;
  signature: Signature;
  loadMs: number;
}

// By folder path. A model missing here (a thread replaced after a crash) loads on first use.
const models = new Map<string, Promise<LoadedModel>>();

export default async function run(task: InferenceTask): Promise<PredictReply | SyncReply> {
  const backend = await backendReady;
  if (task.kind === 'predict') return predict(task);
  const reply = await sync(task);
  return { ...reply, threadId, backend };
}

async function predict({ path, rows, input }: PredictTask): Promise<PredictReply> {
  const { model, signature } = await loaded(path);
  const start = performance.now();
  const output = tf.tidy(() => {
    const x = tf.tensor(input, [rows, ...signature.input.shape.slice(1)], 'float32');
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
  // A view into a larger buffer would be cloned whole on its way back.
  const compact = output.byteLength === output.buffer.byteLength ? output : output.slice();
  return { output: compact, computeMs: performance.now() - start };
}

async function sync({ paths, barrier, parties, timeoutMs }: SyncTask) {
  const wanted = new Set(paths);
  for (const [path, entry] of models) {
    if (wanted.has(path)) continue;
    models.delete(path);
    (await entry.catch(() => undefined))?.model.dispose();
  }
  const loadedModels: SyncReply['loaded'] = {};
  const errors: SyncReply['errors'] = {};
  for (const path of paths) {
    try {
      const { signature, loadMs } = await loaded(path);
      loadedModels[path] = { signature, loadMs };
    } catch (error) {
      errors[path] = error instanceof Error ? error.message : String(error);
    }
  }
  return { loaded: loadedModels, errors, synchronized: arrive(barrier, parties, timeoutMs) };
}

function loaded(path: string): Promise<LoadedModel> {
  let entry = models.get(path);
  if (!entry) {
    entry = load(path);
    models.set(path, entry);
    // A failed load is retried by the next task that needs it.
    entry.catch(() => models.delete(path));
  }
  return entry;
}

async function load(path: string): Promise<LoadedModel> {
  const start = performance.now();
  const artifacts = await readModelArtifacts(path);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  try {
    const signature = signatureOf(model);
    for (const rows of options.warmupBatchSizes) {
      tf.tidy(() => {
        (
          model.predict(tf.zeros([rows, ...signature.input.shape.slice(1)])) as tf.Tensor
        ).dataSync();
      });
    }
    return { model, signature, loadMs: performance.now() - start };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function signatureOf(model: tf.LayersModel): Signature {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `only models with one input and one output are served (this one has ${model.inputs.length} and ${model.outputs.length})`,
    );
  }
  const input = tensorSpec(model.inputNames[0], model.inputs[0]);
  const output = tensorSpec(model.outputNames[0], model.outputs[0]);
  const [batch, ...rest] = input.shape;
  if (batch !== -1 || rest.some((dim) => dim < 1)) {
    throw new Error(
      `the input shape must be [batch, fixed sizes...], not [${input.shape.join(', ')}]`,
    );
  }
  return { input, output };
}

function tensorSpec(name: string | undefined, tensor: tf.SymbolicTensor | undefined): TensorSpec {
  if (name === undefined || tensor === undefined)
    throw new Error('the model has no named input or output');
  if (tensor.dtype !== 'float32')
    throw new Error(`${name} is ${tensor.dtype}; only float32 is served`);
  return {
    name,
    tensorName: `${tensor.name}:0`,
    dtype: 'float32',
    shape: tensor.shape.map((dim) => dim ?? -1),
  };
}

/** Counts this thread in, then waits (bounded) for the other threads of the same sync. */
function arrive(barrier: SharedArrayBuffer, parties: number, timeoutMs: number): boolean {
  const counter = new Int32Array(barrier);
  let seen = Atomics.add(counter, 0, 1) + 1;
  Atomics.notify(counter, 0);
  const deadline = Date.now() + timeoutMs;
  while (seen < parties) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    Atomics.wait(counter, 0, seen, remaining);
    seen = Atomics.load(counter, 0);
  }
  return true;
}
