// Response bodies in the JSON shapes of TF Serving's REST API.
import type { Signature, TensorSpec } from '../inference/inferenceTasks.js';
import type { AvailableVersion, ModelVersion } from '../models/modelCatalog.js';
import { ApiError } from '@taller/telemetry';

/** GetModelStatusResponse: newest version first. */
export function modelStatusBody(versions: ModelVersion[]) {
  return {
    model_version_status: versions.map((version) => ({
      version: String(version.version),
      state: version.state,
      status:
        version.error === undefined
          ? { error_code: 'OK', error_message: '' }
          : { error_code: 'UNKNOWN', error_message: version.error },
    })),
  };
}

/** GetModelMetadataResponse with the `serving_default` signature. */
export function modelMetadataBody({ model, version, signature }: AvailableVersion) {
  return {
    model_spec: { name: model, signature_name: '', version: String(version) },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: { [signature.input.name]: tensorInfo(signature.input) },
            outputs: { [signature.output.name]: tensorInfo(signature.output) },
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}

function tensorInfo(spec: TensorSpec) {
  return {
    dtype: 'DT_FLOAT',
    tensor_shape: {
      dim: spec.shape.map((size) => ({ size: String(size), name: '' })),
      unknown_rank: false,
    },
    name: spec.tensorName,
  };
}

/**
 * `{"predictions": [...]}` (row format) or `{"outputs": [...]}` (columnar): for a single named
 * output both hold the output tensor as nested lists, one entry per instance. Written as a string
 * straight from the float32 values, without building nested arrays first.
 */
export function predictBody(
  key: 'predictions' | 'outputs',
  values: Float32Array,
  rows: number,
  signature: Signature,
): string {
  const dims = signature.output.shape.slice(1);
  const width = values.length / rows;
  const parts: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    parts.push(nested(values.subarray(row * width, (row + 1) * width), dims));
  }
  return `{"${key}":[${parts.join(',')}]}`;
}

function nested(values: Float32Array, dims: number[]): string {
  const [dim, ...rest] = dims;
  if (dim === undefined) return number(values[0]!);
  if (rest.length === 0) return `[${Array.from(values, number).join(',')}]`;
  const width = values.length / dim;
  const parts: string[] = [];
  for (let i = 0; i < dim; i += 1)
    parts.push(nested(values.subarray(i * width, (i + 1) * width), rest));
  return `[${parts.join(',')}]`;
}

function number(value: number): string {
  // JSON has no NaN or Infinity; a model only produces them from inputs near the float32 limits.
  if (!Number.isFinite(value)) {
    throw new ApiError(
      400,
      'bad_request',
      'the model produced a non-finite output for this input; use smaller values',
    );
  }
  return String(value);
}
