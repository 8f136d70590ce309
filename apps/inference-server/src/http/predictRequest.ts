import type { TensorSpec } from '../inference/inferenceTasks.js';
import { HttpError } from './httpError.js';

export type RequestFormat = 'row' | 'columnar';

export interface DecodedPredictRequest {
  format: RequestFormat;
  /** Instances in the request. */
  rows: number;
  /** The instances back to back, as the model's input tensor wants them. */
  input: Float32Array;
}

export interface InputLimits {
  maxInstances: number;
  /** Inclusive bounds the model declares for every input value. */
  range?: [number, number] | undefined;
}

// Finite float32 values only: larger magnitudes would become Infinity in the input tensor.
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Reads a TF Serving predict body: `instances` (row format: a list with one tensor, or one
 * `{"<input>": tensor}` object, per instance) or `inputs` (columnar: the batched tensor, or
 * `{"<input>": tensor}`). Every value is checked against the signature before it reaches a thread.
 */
export function decodePredictRequest(
  body: unknown,
  input: TensorSpec,
  limits: InputLimits,
): DecodedPredictRequest {
  if (!isObject(body)) throw badRequest('the request body must be a JSON object');
  const signatureName = body.signature_name;
  if (signatureName !== undefined && signatureName !== '' && signatureName !== 'serving_default') {
    throw badRequest(
      `Serving signature name: ${JSON.stringify(signatureName)} not found in signature def`,
    );
  }
  const hasInstances = body.instances !== undefined;
  const hasInputs = body.inputs !== undefined;
  if (hasInstances && hasInputs) {
    throw badRequest(
      "Only one of 'instances' (row format) and 'inputs' (columnar format) may be given",
    );
  }
  if (!hasInstances && !hasInputs) throw badRequest("Missing 'inputs' or 'instances' key");

  const format: RequestFormat = hasInstances ? 'row' : 'columnar';
  const key = hasInstances ? 'instances' : 'inputs';
  let tensor = hasInstances ? body.instances : body.inputs;
  if (!hasInstances && isObject(tensor)) tensor = named(tensor, input.name, key);
  if (!Array.isArray(tensor)) {
    throw badRequest(`'${key}' must be a list with one entry per instance`);
  }
  if (tensor.length === 0) throw badRequest(`'${key}' is empty: send at least one instance`);
  if (tensor.length > limits.maxInstances) {
    throw new HttpError(
      413,
      `${tensor.length} instances exceed the limit of ${limits.maxInstances} per request`,
    );
  }
  const dims = input.shape.slice(1);
  const size = dims.reduce((product, dim) => product * dim, 1);
  const values = new Float32Array(tensor.length * size);
  const [min, max] = limits.range ?? [-FLOAT32_MAX, FLOAT32_MAX];
  const fill = new TensorFill(values, dims, min, max);
  for (let i = 0; i < tensor.length; i += 1) {
    let instance: unknown = tensor[i];
    if (hasInstances && isObject(instance))
      instance = named(instance, input.name, `instances[${i}]`);
    fill.instance(instance, `${key}[${i}]`);
  }
  return { format, rows: tensor.length, input: values };
}

/** One instance given as a single array: nested per the signature, or flat (convenience route). */
export function decodeInstance(
  body: unknown,
  input: TensorSpec,
  range: [number, number] | undefined,
): Float32Array {
  const dims = input.shape.slice(1);
  const size = dims.reduce((product, dim) => product * dim, 1);
  const values = new Float32Array(size);
  const [min, max] = range ?? [-FLOAT32_MAX, FLOAT32_MAX];
  const flat = Array.isArray(body) && body.length === size && dims.length > 1;
  new TensorFill(values, flat ? [size] : dims, min, max).instance(body, 'body');
  return values;
}

/** Copies nested lists of numbers into a Float32Array, checking shape, type and range. */
class TensorFill {
  #offset = 0;

  constructor(
    readonly values: Float32Array,
    readonly dims: number[],
    readonly min: number,
    readonly max: number,
  ) {}

  instance(value: unknown, path: string): void {
    try {
      this.#fill(value, 0);
    } catch (error) {
      if (error instanceof ValueError) {
        throw badRequest(`${path}${error.where.map((i) => `[${i}]`).join('')}: ${error.message}`);
      }
      throw error;
    }
  }

  #fill(value: unknown, depth: number): void {
    const expected = this.dims[depth];
    if (expected === undefined) {
      if (typeof value !== 'number') {
        throw new ValueError(`expected a number (float32), got ${describe(value)}`);
      }
      if (!(value >= this.min && value <= this.max)) {
        throw new ValueError(
          this.max === FLOAT32_MAX
            ? `${value} is not a finite float32 value`
            : `${value} is outside the range [${this.min}, ${this.max}] this model accepts`,
        );
      }
      this.values[this.#offset++] = value;
      return;
    }
    if (!Array.isArray(value)) {
      throw new ValueError(`expected a list of ${expected}, got ${describe(value)}`);
    }
    if (value.length !== expected) {
      throw new ValueError(
        `expected a list of ${expected}, got ${value.length} (the input shape is [${['-1', ...this.dims].join(', ')}])`,
      );
    }
    for (let i = 0; i < value.length; i += 1) {
      try {
        this.#fill(value[i], depth + 1);
      } catch (error) {
        if (error instanceof ValueError) error.where.unshift(i);
        throw error;
      }
    }
  }
}

class ValueError extends Error {
  readonly where: number[] = [];
}

function named(object: Record<string, unknown>, inputName: string, path: string): unknown {
  const keys = Object.keys(object);
  if (keys.length !== 1 || keys[0] !== inputName) {
    throw badRequest(
      `${path} names the inputs ${JSON.stringify(keys)}; this model has one input, '${inputName}'`,
    );
  }
  return object[inputName];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 20))})`;
  return `a ${typeof value}`;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}
