// Held-out accuracy of a model version, loaded from disk exactly as the server's threads load it.
// As a script (a fresh process, used by the tests): `tsx training/evaluate.ts <version folder> [backend]`.
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/inference/backend.js';
import { readModelArtifacts } from '../src/models/modelFiles.js';
import { PIXELS, readHeldOut, toFloat } from './mnistData.js';

export interface Evaluation {
  total: number;
  correct: number;
  accuracy: number;
  backend: string;
}

export async function evaluateHeldOut(modelDir: string): Promise<Evaluation> {
  const model = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(modelDir)));
  const { count, images, labels } = readHeldOut();
  let correct = 0;
  const batch = 250;
  for (let start = 0; start < count; start += batch) {
    const rows = Math.min(batch, count - start);
    const pixels = toFloat(images.subarray(start * PIXELS, (start + rows) * PIXELS));
    const predicted = tf.tidy(() =>
      (model.predict(tf.tensor(pixels, [rows, 28, 28])) as tf.Tensor).argMax(1).dataSync(),
    );
    predicted.forEach((digit, i) => {
      if (digit === labels[start + i]) correct += 1;
    });
  }
  model.dispose();
  return { total: count, correct, accuracy: correct / count, backend: tf.getBackend() };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [modelDir, preference = 'auto'] = process.argv.slice(2);
  if (modelDir === undefined) {
    console.error(
      'usage: tsx training/evaluate.ts <model version folder> [auto|tensorflow|wasm|cpu]',
    );
    process.exit(2);
  }
  await initBackend({ preference: preference as BackendPreference });
  console.log(JSON.stringify(await evaluateHeldOut(modelDir)));
}
