// The JSON shapes of TF Serving's REST API documentation (tensorflow.org/tfx/serving/api_rest and
// the protos it names), strict: a field TF Serving does not send fails the test.
import { z } from 'zod';

const int64 = z.string().regex(/^-?\d+$/); // proto3 JSON writes int64 as a string

export const errorShape = z.strictObject({ error: z.string().min(1) });

/** GetModelStatusResponse */
export const modelStatusShape = z.strictObject({
  model_version_status: z
    .array(
      z.strictObject({
        version: int64,
        state: z.enum(['UNKNOWN', 'START', 'LOADING', 'AVAILABLE', 'UNLOADING', 'END']),
        status: z.strictObject({ error_code: z.string(), error_message: z.string() }),
      }),
    )
    .min(1),
});

const tensorInfo = z.strictObject({
  dtype: z.string().regex(/^DT_[A-Z0-9]+$/),
  tensor_shape: z.strictObject({
    dim: z.array(z.strictObject({ size: int64, name: z.string() })),
    unknown_rank: z.boolean(),
  }),
  name: z.string(),
});

/** GetModelMetadataResponse with the signature_def metadata field. */
export const modelMetadataShape = z.strictObject({
  model_spec: z.strictObject({ name: z.string(), signature_name: z.string(), version: int64 }),
  metadata: z.strictObject({
    signature_def: z.strictObject({
      signature_def: z.record(
        z.string(),
        z.strictObject({
          inputs: z.record(z.string(), tensorInfo),
          outputs: z.record(z.string(), tensorInfo),
          method_name: z.string(),
        }),
      ),
    }),
  }),
});

// One named output: the value per instance, as (nested) lists of numbers.
const rows = z.array(z.array(z.number()));

/** Predict response to a row-format (`instances`) request. */
export const rowPredictShape = z.strictObject({ predictions: rows });

/** Predict response to a columnar (`inputs`) request. */
export const columnarPredictShape = z.strictObject({ outputs: rows });
