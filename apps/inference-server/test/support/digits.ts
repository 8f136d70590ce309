import { PIXELS, readHeldOut } from '../../training/mnistData.js';

const heldOut = readHeldOut();

/** Held-out digit `index` as the model's input: 28 rows of 28 pixel values in [0, 1]. */
export function digitImage(index: number): number[][] {
  const pixels = heldOut.images.subarray(index * PIXELS, (index + 1) * PIXELS);
  return Array.from({ length: 28 }, (_, row) =>
    Array.from(pixels.subarray(row * 28, (row + 1) * 28), (byte) => byte / 255),
  );
}

export function digitLabel(index: number): number {
  return heldOut.labels[index]!;
}
