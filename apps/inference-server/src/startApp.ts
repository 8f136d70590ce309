// The app: the inference threads, the model catalog, the HTTP and gRPC servers. It listens at
// once (liveness and startup probes answer) and turns ready only when every model is loaded and
// warm in every thread, which goes on after startApp returns.
import { closeApp, Health, type RunningApp } from '@taller/health';
import { listenApp } from '@taller/health/fastify';
import { buildInfo, createMetrics, type Logger } from '@taller/telemetry';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { dependencyChecks } from './dependencyChecks.js';
import { startGrpcServer } from './grpc/grpcServer.js';
import { InferencePool } from './inference/inferencePool.js';
import { PredictBatcher } from './inference/predictBatcher.js';
import { Predictor } from './inference/predictor.js';
import { createInferenceMetrics, type InferenceMetrics } from './metrics.js';
import { ModelCatalog } from './models/modelCatalog.js';

export interface InferenceApp extends RunningApp {
  /** Where the gRPC API answers (GRPC_PORT, or the port picked for 0). */
  grpcPort: number;
}

/**
 * Starts the inference server from its settings: threads with their backend up (a backend that
 * cannot start rejects, after closing what was opened), both servers listening, models loading.
 */
export async function startApp(
  config: Config,
  { logger }: { logger: Logger },
): Promise<InferenceApp> {
  const { metrics, inferenceMetrics, pool, batcher, catalog, health, predictor } = inference(
    config,
    logger,
  );
  const app = await buildApp({ config, logger, metrics, health, predictor });
  const grpcServer = await startGrpcServer({
    host: config.HOST,
    port: config.GRPC_PORT,
    maxMessageBytes: config.GRPC_MAX_MESSAGE_BYTES,
    predictor,
    maxInstancesPerRequest: config.MAX_INSTANCES_PER_REQUEST,
    metrics: inferenceMetrics,
    logger,
  });
  logger.info({ grpcPort: grpcServer.port }, 'grpc listening');
  const running = await listenApp(app, {
    settings: config,
    health,
    // Closed after the HTTP server, last first: the gRPC calls in flight, model polling, every
    // accepted request, then the threads.
    resources: [
      { name: 'inference threads', close: () => pool.close() },
      { name: 'accepted predictions', close: () => batcher.close() },
      { name: 'model polling', close: () => catalog.close() },
      { name: 'grpc server', close: () => grpcServer.close() },
    ],
  });
  try {
    await startBackend(pool, inferenceMetrics, logger);
  } catch (error) {
    await closeApp(running);
    throw error;
  }
  // In the background: probes answer meanwhile. A failure leaves the app not ready (the
  // startupProbe then restarts the pod).
  loadModels(catalog, health, logger).catch((error: unknown) =>
    logger.error({ err: error }, 'models could not be loaded; not ready'),
  );
  return { ...running, grpcPort: grpcServer.port };
}

/** The inference parts, nothing started yet: threads, batcher, catalog, probes, metrics. */
function inference(config: Config, logger: Logger) {
  const metrics = createMetrics({ build: buildInfo('inference-server') });
  const inferenceMetrics = createInferenceMetrics(metrics.registry);
  const pool = new InferencePool({
    threads: config.INFERENCE_THREADS,
    backend: config.INFERENCE_BACKEND,
    warmupBatchSizes: [...new Set([1, config.MAX_BATCH_SIZE])],
    niceIncrement: config.INFERENCE_THREAD_NICE,
    logger,
  });
  const batcher = new PredictBatcher(pool, {
    maxBatchSize: config.MAX_BATCH_SIZE,
    batchTimeoutMs: config.BATCH_TIMEOUT_MS,
    maxQueuedRequests: config.MAX_QUEUED_REQUESTS,
    metrics: inferenceMetrics,
  });
  const catalog = new ModelCatalog({
    basePath: config.MODEL_BASE_PATH,
    pool,
    pollIntervalMs: config.MODEL_POLL_INTERVAL_MS,
    loadDelayMs: config.MODEL_LOAD_DELAY_MS,
    settled: (paths) => batcher.settled(paths),
    logger,
    metrics: inferenceMetrics,
  });
  const health = new Health({ checks: dependencyChecks(catalog, pool, batcher) });
  const predictor = new Predictor(catalog, batcher, inferenceMetrics);
  return { metrics, inferenceMetrics, pool, batcher, catalog, health, predictor };
}

async function startBackend(pool: InferencePool, metrics: InferenceMetrics, logger: Logger) {
  const backend = await pool.start();
  metrics.backend.set({ backend: backend.name, simd: String(backend.simd) }, 1);
  metrics.threads.set(pool.threads);
  logger.info(
    { backend: backend.name, simd: backend.simd, threads: pool.threads, skipped: backend.skipped },
    'inference backend ready',
  );
}

/** Loads what is on disk, then marks the app started once every model has a version. */
async function loadModels(catalog: ModelCatalog, health: Health, logger: Logger): Promise<void> {
  await catalog.start();
  const markReady = () => {
    health.markStarted();
    logger.info({ models: catalog.readiness().models }, 'models loaded and warm: ready');
  };
  const { ready, problem, models } = catalog.readiness();
  if (ready) return markReady();
  logger.error({ problem, models }, 'not ready: waiting for model versions to appear');
  // Keep polling; the first time every model has a version, the pod starts.
  const wait = setInterval(() => {
    if (!catalog.readiness().ready) return;
    clearInterval(wait);
    markReady();
  }, 500);
  wait.unref();
}
