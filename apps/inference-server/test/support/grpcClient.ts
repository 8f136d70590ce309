import * as grpc from '@grpc/grpc-js';
import { loadServingProtos } from '../../src/grpc/predictionService.js';

export interface Tensor {
  dtype?: string;
  tensor_shape?: { dim: { size: number }[] };
  tensor_content?: Buffer;
  float_val?: number[];
}

export interface PredictRequest {
  model_spec?: {
    name?: string;
    version?: { value: number };
    version_label?: string;
    signature_name?: string;
  };
  inputs?: Record<string, Tensor>;
  output_filter?: string[];
}

export interface PredictResponse {
  model_spec: { name: string; version: { value: number }; signature_name: string };
  outputs: Record<string, Required<Pick<Tensor, 'dtype' | 'tensor_shape' | 'tensor_content'>>>;
}

type PredictionServiceClient = grpc.Client & {
  Predict(
    request: PredictRequest,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response: PredictResponse) => void,
  ): grpc.ClientUnaryCall;
};

/** A TF Serving PredictionService client built from the app's .proto files. */
export function predictionClient(address: string) {
  const client = new (loadServingProtos().PredictionService)(
    address,
    grpc.credentials.createInsecure(),
    // No client-side limit: the tests check the server's.
    { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 },
  ) as unknown as PredictionServiceClient;
  return {
    predict: (request: PredictRequest, { deadlineMs = 30_000 } = {}) =>
      new Promise<PredictResponse>((resolve, reject) => {
        client.Predict(request, { deadline: Date.now() + deadlineMs }, (error, response) =>
          error ? reject(error) : resolve(response),
        );
      }),
    close: () => client.close(),
  };
}

/** Digits as a DT_FLOAT [n, 28, 28] tensor, values packed (tensor_content) or listed (float_val). */
export function imageTensor(images: number[][][], packing: 'content' | 'list' = 'content'): Tensor {
  const values = Float32Array.from(images.flat(2));
  return {
    dtype: 'DT_FLOAT',
    tensor_shape: { dim: [images.length, 28, 28].map((size) => ({ size })) },
    ...(packing === 'content'
      ? { tensor_content: Buffer.from(values.buffer) }
      : { float_val: Array.from(values) }),
  };
}

/** The rows of a [n, 10] DT_FLOAT output tensor. */
export function outputRows(tensor: PredictResponse['outputs'][string]): number[][] {
  const bytes = tensor.tensor_content;
  const values = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  const [rows, width] = tensor.tensor_shape.dim.map((dim) => Number(dim.size));
  return Array.from({ length: rows! }, (_, r) =>
    Array.from(values.subarray(r * width!, (r + 1) * width!)),
  );
}
