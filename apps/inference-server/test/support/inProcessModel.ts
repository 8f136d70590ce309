import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/inference/backend.js';
import { readModelArtifacts } from '../../src/models/modelFiles.js';
import { APP_DIR } from './serverProcess.js';

export const SHIPPED_VERSION = join(APP_DIR, 'model', 'mnist', '1');

/** A model version loaded in this process, on the same backend the server's threads choose. */
export async function loadInProcess(dir = SHIPPED_VERSION): Promise<tf.LayersModel> {
  await initBackend({ preference: 'auto' });
  return tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(dir)));
}

/** `model.predict` on a batch of 28x28 images: one row of 10 probabilities per image. */
export function predictInProcess(model: tf.LayersModel, images: number[][][]): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor3d(images)) as tf.Tensor2D).arraySync());
}
