// TensorProto <-> Float32Array for the one float32 input and output of a served signature.
// tensor_content is little-endian, as Float32Array is on every platform the image is built for
// (x86-64, arm64), so bytes are copied as they are.
import { ApiError } from '@taller/telemetry';
import type { TensorSpec } from '../inference/inferenceTasks.js';
import { valueBounds, type InputLimits } from '../inference/inputLimits.js';

/** A decoded `tensorflow.TensorProto` (proto-loader: enums as names, int64 as numbers). */
export interface TensorProto {
  dtype?: string | number;
  tensor_shape?: { dim?: { size?: number; name?: string }[]; unknown_rank?: boolean };
  tensor_content?: Buffer;
  float_val?: number[];
}

/**
 * The instances of an input tensor: DT_FLOAT, shaped `[rows, ...signature dims]`, its values
 * packed in `tensor_content` (little-endian float32, row-major) or listed in `float_val` (one
 * value fills the whole shape, as in TensorFlow). Every value is checked as the REST API does.
 */
export function decodeInputTensor(
  tensor: TensorProto,
  spec: TensorSpec,
  limits: InputLimits,
): { rows: number; input: Float32Array } {
  if (tensor.dtype !== 'DT_FLOAT') {
    throw invalid(`input '${spec.name}' must be DT_FLOAT, got ${String(tensor.dtype ?? 'none')}`);
  }
  const rows = checkShape(tensor, spec, limits.maxInstances);
  const input = new Float32Array(rows * spec.shape.slice(1).reduce((a, b) => a * b, 1));
  const content = tensor.tensor_content;
  const list = tensor.float_val ?? [];
  if (content && content.length > 0) {
    if (list.length > 0)
      throw invalid(`input '${spec.name}' sets both tensor_content and float_val`);
    if (content.length !== input.byteLength) {
      throw invalid(
        `input '${spec.name}': tensor_content holds ${content.length} bytes; ` +
          `the shape needs ${input.byteLength} (${input.length} float32 values)`,
      );
    }
    // A copy: protobuf hands out views at any byte offset, and the batch may outlive the message.
    new Uint8Array(input.buffer).set(content);
  } else if (list.length === input.length) {
    input.set(list);
  } else if (list.length === 1) {
    input.fill(list[0]!);
  } else {
    throw invalid(
      `input '${spec.name}': ${list.length} float_val values for a shape of ${input.length}`,
    );
  }
  checkRange(input, spec, limits.range);
  return { rows, input };
}

/** The output tensor: DT_FLOAT, `[rows, ...signature dims]`, values packed in tensor_content. */
export function encodeOutputTensor(output: Float32Array, rows: number, spec: TensorSpec) {
  return {
    dtype: 'DT_FLOAT',
    tensor_shape: { dim: [rows, ...spec.shape.slice(1)].map((size) => ({ size })) },
    tensor_content: Buffer.from(output.buffer, output.byteOffset, output.byteLength),
  };
}

function checkShape(tensor: TensorProto, spec: TensorSpec, maxInstances: number): number {
  const dims = (tensor.tensor_shape?.dim ?? []).map((dim) => dim.size ?? 0);
  const expected = spec.shape.slice(1);
  const shape = `[${dims.join(', ')}]`;
  if (dims.length !== spec.shape.length || expected.some((size, i) => dims[i + 1] !== size)) {
    throw invalid(
      `input '${spec.name}' has shape ${shape}; this model takes [-1, ${expected.join(', ')}]`,
    );
  }
  const rows = dims[0]!;
  if (!Number.isInteger(rows) || rows < 1) {
    throw invalid(`input '${spec.name}' has shape ${shape}: send at least one instance`);
  }
  if (rows > maxInstances) {
    throw invalid(`${rows} instances exceed the limit of ${maxInstances} per request`);
  }
  return rows;
}

function checkRange(values: Float32Array, spec: TensorSpec, range?: [number, number]): void {
  const [min, max] = valueBounds(range);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (value >= min && value <= max) continue;
    throw invalid(
      range
        ? `input '${spec.name}' value ${i} is ${value}, outside the range [${min}, ${max}] this model accepts`
        : `input '${spec.name}' value ${i} is ${value}, not a finite float32 value`,
    );
  }
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_argument', message);
}
