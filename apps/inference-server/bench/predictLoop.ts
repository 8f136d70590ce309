// The limit: one thread calling model.predict on full batches as fast as it can, no HTTP, no
// queue, no messages per batch. The bench runs as many of these as the server has threads.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/inference/backend.js';
import { lowerThreadPriority } from '../src/inference/threadPriority.js';
import { readModelArtifacts } from '../src/models/modelFiles.js';

const { modelDir, batchSize, seconds, preference, niceIncrement } = workerData as {
  modelDir: string;
  batchSize: number;
  seconds: number;
  preference: BackendPreference;
  niceIncrement: number;
};
lowerThreadPriority(niceIncrement); // as the server's inference threads

const backend = await initBackend({ preference });
const model = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(modelDir)));
const input = new Float32Array(batchSize * 784).map((_, i) => (i % 7) / 7);
const predict = () =>
  tf.tidy(() => (model.predict(tf.tensor(input, [batchSize, 28, 28])) as tf.Tensor).dataSync());
for (let i = 0; i < 20; i += 1) predict();

// Every thread starts together, so they compete for the CPUs as the server's threads do.
parentPort!.postMessage({ ready: true });
await new Promise((resolve) => parentPort!.once('message', resolve));
let calls = 0;
const cpuBefore = process.threadCpuUsage();
const start = performance.now();
const end = start + seconds * 1000;
while (performance.now() < end) {
  predict();
  calls += 1;
}
const elapsed = (performance.now() - start) / 1000;
const cpu = process.threadCpuUsage(cpuBefore);
parentPort!.postMessage({
  predictions: calls * batchSize,
  seconds: elapsed,
  cpuMicros: cpu.user + cpu.system,
  backend: backend.name,
});
