import type { TensorSpec } from '../inference/inferenceTasks.js';
import { FLOAT32_MAX, valueBounds, type InputLimits } from '../inference/inputLimits.js';
import { ApiError } from '@taller/telemetry';

export type RequestFormat = 'row' | 'columnar';

export interface DecodedPredictRequest {
  format: RequestFormat;
  /** Instances in the request. */
  rows: number;
  /** The instances back to back, as the model's input tensor wants them. */
  input: Float32Array;
}

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
    throw new ApiError(
      413,
      'payload_too_large',
      `${tensor.length} instances exceed the limit of ${limits.maxInstances} per request`,
    );
  }
  const dims = input.shape.slice(1);
  const size = dims.reduce((product, dim) => product * dim, 1);
  const values = new Float32Array(tensor.length * size);
  const [min, max] = valueBounds(limits.range);
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
  const [min, max] = valueBounds(range);
  const flat = Array.isArray(body) && body.length === size && dims.length > 1;
  new TensorFill(values, flat ? [size] : dims, min, max).instance(body, 'body');
  return values;
}

/**
 * Copies nested lists of numbers into a Float32Array, checking shape, type and range. The fast
 * path only says whether an instance is valid; a second walk finds what is wrong and where.
 */
class TensorFill {
  #offset = 0;

  constructor(
    readonly values: Float32Array,
    readonly dims: number[],
    readonly min: number,
    readonly max: number,
  ) {}

  instance(value: unknown, path: string): void {
    const start = this.#offset;
    if (this.#fill(value, 0)) return;
    this.#offset = start;
    throw badRequest(`${path}${this.#problem(value, 0)}`);
  }

  #fill(value: unknown, depth: number): boolean {
    if (depth === this.dims.length) return this.#number(value);
    const expected = this.dims[depth];
    if (!Array.isArray(value) || value.length !== expected) return false;
    if (depth < this.dims.length - 1) {
      for (let i = 0; i < expected; i += 1) if (!this.#fill(value[i], depth + 1)) return false;
      return true;
    }
    // The innermost list: the hot loop.
    const { values, min, max } = this;
    let offset = this.#offset;
    for (let i = 0; i < expected; i += 1) {
      const number: unknown = value[i];
      if (typeof number !== 'number' || !(number >= min && number <= max)) return false;
      values[offset++] = number;
    }
    this.#offset = offset;
    return true;
  }

  #number(value: unknown): boolean {
    if (typeof value !== 'number' || !(value >= this.min && value <= this.max)) return false;
    this.values[this.#offset++] = value;
    return true;
  }

  /** Where and why `value` is not a valid tensor, e.g. `[5][7]: expected a number, got null`. */
  #problem(value: unknown, depth: number): string {
    const expected = this.dims[depth];
    if (expected === undefined) {
      if (typeof value !== 'number') return `: expected a number (float32), got ${describe(value)}`;
      return this.max === FLOAT32_MAX
        ? `: ${value} is not a finite float32 value`
        : `: ${value} is outside the range [${this.min}, ${this.max}] this model accepts`;
    }
    if (!Array.isArray(value)) return `: expected a list of ${expected}, got ${describe(value)}`;
    if (value.length !== expected) {
      const shape = ['-1', ...this.dims].join(', ');
      return `: expected a list of ${expected}, got ${value.length} (the input shape is [${shape}])`;
    }
    const scratch = new TensorFill(
      new Float32Array(this.values.length),
      this.dims,
      this.min,
      this.max,
    );
    const bad = value.findIndex((item) => !scratch.#fill(item, depth + 1));
    return `[${bad}]${this.#problem(value[bad], depth + 1)}`;
  }
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

function badRequest(message: string): ApiError {
  return new ApiError(400, 'bad_request', message);
}
