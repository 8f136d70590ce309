// The process: settings, the inference threads, the model catalog, the HTTP server, and a graceful
// shutdown on SIGTERM. It listens at once (liveness and startup probes answer) and turns ready only
// when every model is loaded and warm in every thread.
import type { AddressInfo } from 'node:net';
import { readConfigOrExit } from '@taller/config';
import { Health, gracefulShutdown, limitServer, urlOf } from '@taller/health';
import { buildInfo, createLogger, createMetrics } from '@taller/telemetry';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { createInferenceMetrics } from './inference/inferenceMetrics.js';
import { InferencePool } from './inference/inferencePool.js';
import { PredictBatcher } from './inference/predictBatcher.js';
import { ModelCatalog } from './models/modelCatalog.js';

// The name `ps`, `top` and `pgrep` show instead of `node ... dist/server.js`.
process.title = 'inference-server';
const logger = createLogger({ name: 'inference-server' });

const config = readConfigOrExit(readConfig, logger);

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
const health = new Health({
  checks: [
    {
      name: 'models',
      reportDetails: true,
      check: async () => {
        const { ready, problem, models } = catalog.readiness();
        if (!ready) throw new Error(problem);
        return models;
      },
    },
    {
      name: 'inference',
      reportDetails: true,
      check: async () => ({
        backend: pool.backend.name,
        simd: pool.backend.simd,
        threads: pool.threads,
        queuedRequests: batcher.queuedRequests,
      }),
    },
  ],
});

const app = await buildApp({ config, logger, metrics, inferenceMetrics, health, catalog, batcher });
limitServer(app.server, config);
await app.listen({ port: config.PORT, host: config.HOST });

gracefulShutdown({
  app: {
    server: app.server,
    url: urlOf(app.server),
    health,
    // Closers run in reverse order: stop polling, answer every accepted request, then stop the threads.
    resources: [
      { name: 'inference threads', close: () => pool.close() },
      { name: 'accepted predictions', close: () => batcher.close() },
      { name: 'model polling', close: () => catalog.close() },
    ],
  },
  logger,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});

const { address, port } = app.server.address() as AddressInfo;
logger.info({ address, port }, 'listening');

try {
  const backend = await pool.start();
  inferenceMetrics.backend.set({ backend: backend.name, simd: String(backend.simd) }, 1);
  inferenceMetrics.threads.set(pool.threads);
  logger.info(
    { backend: backend.name, simd: backend.simd, threads: pool.threads, skipped: backend.skipped },
    'inference backend ready',
  );
  await catalog.start();
} catch (error) {
  logger.fatal({ err: error }, 'inference could not start');
  process.exit(1);
}
const { ready, problem, models } = catalog.readiness();
if (ready) {
  health.markStarted();
  logger.info({ models }, 'models loaded and warm: ready');
} else {
  logger.error({ problem, models }, 'not ready: waiting for model versions to appear');
  // Keep polling; the first time every model has a version, the pod starts.
  const wait = setInterval(() => {
    if (!catalog.readiness().ready) return;
    clearInterval(wait);
    health.markStarted();
    logger.info({ models: catalog.readiness().models }, 'models loaded and warm: ready');
  }, 500);
  wait.unref();
}
