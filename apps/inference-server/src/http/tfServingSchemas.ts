// JSON schemas of the TF Serving REST routes: they type the handlers (json-schema-to-ts) and
// serialize the responses. Response shapes follow TF Serving's (proto3 JSON: int64 as strings).

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' } },
  required: ['error'],
} as const;
const errors = { '4xx': errorBody, '5xx': errorBody } as const;

// The router's regexes (`:name([\w.-]+)`, `:version(\d{1,15})`) already shape the parameters.
const modelParams = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
} as const;
const versionParams = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' } },
  required: ['name', 'version'],
} as const;

const modelStatus = {
  type: 'object',
  properties: {
    model_version_status: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          version: { type: 'string' },
          state: { type: 'string' },
          status: {
            type: 'object',
            properties: { error_code: { type: 'string' }, error_message: { type: 'string' } },
            required: ['error_code', 'error_message'],
          },
        },
        required: ['version', 'state', 'status'],
      },
    },
  },
  required: ['model_version_status'],
} as const;

const tensorInfo = {
  type: 'object',
  properties: {
    dtype: { type: 'string' },
    tensor_shape: {
      type: 'object',
      properties: {
        dim: {
          type: 'array',
          items: {
            type: 'object',
            properties: { size: { type: 'string' }, name: { type: 'string' } },
            required: ['size', 'name'],
          },
        },
        unknown_rank: { type: 'boolean' },
      },
      required: ['dim', 'unknown_rank'],
    },
    name: { type: 'string' },
  },
  required: ['dtype', 'tensor_shape', 'name'],
} as const;

const modelMetadata = {
  type: 'object',
  properties: {
    model_spec: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        signature_name: { type: 'string' },
        version: { type: 'string' },
      },
      required: ['name', 'signature_name', 'version'],
    },
    metadata: {
      type: 'object',
      properties: {
        signature_def: {
          type: 'object',
          properties: {
            // Signatures by name: `serving_default` here.
            signature_def: {
              type: 'object',
              additionalProperties: {
                type: 'object',
                properties: {
                  inputs: { type: 'object', additionalProperties: tensorInfo },
                  outputs: { type: 'object', additionalProperties: tensorInfo },
                  method_name: { type: 'string' },
                },
                required: ['inputs', 'outputs', 'method_name'],
              },
            },
          },
          required: ['signature_def'],
        },
      },
      required: ['signature_def'],
    },
  },
  required: ['model_spec', 'metadata'],
} as const;

// Checked in depth by decodePredictRequest, which names the exact value that is wrong.
const predictBody = {
  type: 'object',
  properties: { signature_name: { type: 'string' } },
} as const;

// Predictions are written straight to a JSON string (predictBody in tfServingResponses.ts), which
// Fastify sends as it is: this schema documents them.
const predictions = {
  type: 'object',
  properties: {
    predictions: { type: 'array' },
    outputs: { type: 'array' },
  },
} as const;

export const modelStatusSchema = { params: modelParams, response: { 200: modelStatus, ...errors } };
export const versionStatusSchema = {
  params: versionParams,
  response: { 200: modelStatus, ...errors },
};
export const modelMetadataSchema = {
  params: modelParams,
  response: { 200: modelMetadata, ...errors },
};
export const versionMetadataSchema = {
  params: versionParams,
  response: { 200: modelMetadata, ...errors },
};
export const modelPredictSchema = {
  params: modelParams,
  body: predictBody,
  response: { 200: predictions, ...errors },
};
export const versionPredictSchema = {
  params: versionParams,
  body: predictBody,
  response: { 200: predictions, ...errors },
};

/** `POST /predict`: one image as a plain list, the digit back. */
export const digitSchema = {
  body: { type: 'array' },
  response: {
    200: {
      type: 'object',
      properties: {
        model: { type: 'string' },
        version: { type: 'string' },
        label: { type: 'string' },
        class: { type: 'integer' },
        confidence: { type: 'number' },
        probabilities: { type: 'array', items: { type: 'number' } },
      },
      required: ['model', 'version', 'label', 'class', 'confidence', 'probabilities'],
    },
    ...errors,
  },
} as const;
