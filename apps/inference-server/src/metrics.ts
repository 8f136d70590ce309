import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The domain metrics of the inference server, beside the shared HTTP RED metrics. */
export function createInferenceMetrics(registry: Registry) {
  const registers = [registry];
  return {
    // The HPA's signal: prometheus-adapter turns this counter's rate into
    // `inference_requests_per_second` (see the README).
    requests: new Counter({
      name: 'inference_requests_total',
      help: 'Predict requests received for a served model (accepted or refused as overload).',
      labelNames: ['model'] as const,
      registers,
    }),
    predictions: new Counter({
      name: 'inference_predictions_total',
      help: 'Instances predicted, by model and version.',
      labelNames: ['model', 'version'] as const,
      registers,
    }),
    rejected: new Counter({
      name: 'inference_rejected_total',
      help: 'Predict requests refused with 503 because the batch queue was full.',
      labelNames: ['model'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'inference_batch_size',
      help: 'Instances per model call (micro-batch size).',
      labelNames: ['model'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'inference_queue_depth',
      help: 'Predict requests waiting for a worker thread.',
      registers,
    }),
    queueWait: new Histogram({
      name: 'inference_queue_wait_seconds',
      help: 'Time a predict request waits before its batch starts.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    inferenceDuration: new Histogram({
      name: 'inference_duration_seconds',
      help: 'Model call time per batch inside a worker thread.',
      labelNames: ['model'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    modelLoad: new Gauge({
      name: 'model_load_duration_seconds',
      help: 'Time to load and warm up each served version (slowest worker thread).',
      labelNames: ['model', 'version'] as const,
      registers,
    }),
    backend: new Gauge({
      name: 'inference_backend_info',
      help: 'The TensorFlow.js backend the worker threads run (value 1).',
      labelNames: ['backend', 'simd'] as const,
      registers,
    }),
    // The gRPC API's RED metrics, named as go-grpc-prometheus names them (the HTTP ones come
    // from @taller/telemetry).
    grpcHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed, by method and status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
      registers,
    }),
    grpcDuration: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from a gRPC call arriving to its status being sent.',
      labelNames: ['grpc_service', 'grpc_method'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    threads: new Gauge({
      name: 'inference_worker_threads',
      help: 'Worker threads running inference.',
      registers,
    }),
  };
}

export type InferenceMetrics = ReturnType<typeof createInferenceMetrics>;
