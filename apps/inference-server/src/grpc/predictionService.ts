// TF Serving's `tensorflow.serving.PredictionService/Predict` over the shared Predictor.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ApiError, type Logger } from '@taller/telemetry';
import type { InferenceMetrics } from '../metrics.js';
import type { Predictor } from '../inference/predictor.js';
import { decodeInputTensor, encodeOutputTensor, type TensorProto } from './tensorProto.js';

export const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));

/** `tensorflow.serving.PredictRequest` as proto-loader decodes it. */
interface PredictRequest {
  model_spec?: {
    name?: string;
    version?: { value?: number };
    version_label?: string;
    signature_name?: string;
  };
  inputs?: Record<string, TensorProto>;
  output_filter?: string[];
}

/** The `tensorflow.serving` package from the app's .proto files (the tests build clients from it). */
export function loadServingProtos() {
  const definition = protoLoader.loadSync('tensorflow_serving/apis/prediction_service.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true, // field names as in the .proto, as TF Serving's own clients write them
    longs: Number, // versions and dimensions fit in a double
    enums: String,
    defaults: false,
  });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    tensorflow: { serving: { PredictionService: grpc.ServiceClientConstructor } };
  };
  return root.tensorflow.serving;
}

export interface PredictionServiceOptions {
  predictor: Predictor;
  maxInstancesPerRequest: number;
  metrics: InferenceMetrics;
  logger: Logger;
}

const SERVICE = 'tensorflow.serving.PredictionService';

/** The PredictionService implementation: Predict. */
export function predictionService({
  predictor,
  maxInstancesPerRequest,
  metrics,
  logger,
}: PredictionServiceOptions): grpc.UntypedServiceImplementation {
  const handled = (code: grpc.status, start: number) => {
    const labels = { grpc_service: SERVICE, grpc_method: 'Predict' };
    metrics.grpcHandled.inc({ ...labels, grpc_code: grpc.status[code] });
    metrics.grpcDuration.observe(labels, (performance.now() - start) / 1000);
  };
  const Predict: grpc.handleUnaryCall<PredictRequest, unknown> = (call, callback) => {
    const start = performance.now();
    // The client's deadline passed or it cancelled: a request still queued leaves its batch.
    const cancelled = new AbortController();
    call.once('cancelled', () => cancelled.abort(new Error('cancelled by the client')));
    predict(call.request, predictor, maxInstancesPerRequest, cancelled.signal).then(
      (response) => {
        const gone = abandoned(call);
        if (gone !== undefined) return handled(gone, start);
        handled(grpc.status.OK, start);
        callback(null, response);
      },
      (error: unknown) => {
        const gone = abandoned(call);
        if (gone !== undefined) return handled(gone, start);
        const status = grpcStatus(error);
        if (status.code === grpc.status.INTERNAL) logger.error({ err: error }, 'Predict failed');
        handled(status.code, start);
        callback(status);
      },
    );
  };
  return { Predict };
}

/** What grpc-js already answered a caller that gave up (deadline passed, or cancelled). */
function abandoned(call: grpc.ServerUnaryCall<unknown, unknown>): grpc.status | undefined {
  if (!call.cancelled) return undefined;
  const deadline = call.getDeadline();
  const due = deadline instanceof Date ? deadline.getTime() : deadline;
  return due <= Date.now() ? grpc.status.DEADLINE_EXCEEDED : grpc.status.CANCELLED;
}

async function predict(
  request: PredictRequest,
  predictor: Predictor,
  maxInstances: number,
  signal: AbortSignal,
) {
  const spec = request.model_spec;
  if (!spec?.name) throw invalid('Missing ModelSpec: set model_spec.name');
  if (spec.version_label) {
    throw invalid(`Unrecognized servable version label: ${spec.version_label}`);
  }
  if (spec.signature_name && spec.signature_name !== 'serving_default') {
    throw invalid(`Serving signature name: "${spec.signature_name}" not found in signature def`);
  }
  // An Int64Value of 0 arrives as an empty message: present, with no value.
  const served = predictor.accept(spec.name, spec.version && (spec.version.value ?? 0));
  const { input, output } = served.signature;
  const names = Object.keys(request.inputs ?? {});
  if (names.length !== 1 || names[0] !== input.name) {
    throw invalid(
      `inputs names ${JSON.stringify(names)}; this model has one input, '${input.name}'`,
    );
  }
  const unknownOutput = request.output_filter?.find((alias) => alias !== output.name);
  if (unknownOutput !== undefined) {
    throw invalid(`output tensor alias not found in signature: ${unknownOutput}`);
  }
  const { rows, input: values } = decodeInputTensor(request.inputs![input.name]!, input, {
    maxInstances,
    range: served.inputRange,
  });
  const outputs = await predictor.predict(served, rows, values, signal);
  return {
    model_spec: {
      name: served.model,
      version: { value: served.version },
      signature_name: 'serving_default',
    },
    outputs: { [output.name]: encodeOutputTensor(outputs, rows, output) },
  };
}

/**
 * The gRPC status TF Serving answers with: a bad request is INVALID_ARGUMENT, an unknown model or
 * version NOT_FOUND, a model still loading UNAVAILABLE. A full batch queue is UNAVAILABLE too
 * (TF Serving's batch scheduler answers "The batch scheduling queue ... is full" with
 * UNAVAILABLE, not RESOURCE_EXHAUSTED): gRPC clients retry UNAVAILABLE, as REST clients retry
 * a 503, and RESOURCE_EXHAUSTED stays what grpc-js answers for a message over the size limit.
 */
function grpcStatus(error: unknown): grpc.StatusObject {
  const metadata = new grpc.Metadata();
  if (!(error instanceof ApiError)) {
    return { code: grpc.status.INTERNAL, details: 'internal error', metadata };
  }
  const code =
    error.status === 404
      ? grpc.status.NOT_FOUND
      : error.status === 503
        ? grpc.status.UNAVAILABLE
        : error.status < 500
          ? grpc.status.INVALID_ARGUMENT
          : grpc.status.INTERNAL;
  return { code, details: error.message, metadata };
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_argument', message);
}
