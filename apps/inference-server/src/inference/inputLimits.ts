/** What a predict request may hold, whichever API it came through. */
export interface InputLimits {
  maxInstances: number;
  /** Inclusive bounds the model declares for every input value. */
  range?: [number, number] | undefined;
}

// Finite float32 values only: larger magnitudes would become Infinity in the input tensor.
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The bounds every input value is checked against: the model's range, or finite float32. */
export function valueBounds(range: [number, number] | undefined): [number, number] {
  return range ?? [-FLOAT32_MAX, FLOAT32_MAX];
}
