import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyHealthRoutes, type Health } from '@taller/health';
import {
  fastifyLoggerOptions,
  fastifyTelemetry,
  type Logger,
  type Metrics,
} from '@taller/telemetry';
import type { Config } from './config.js';
import { routerErrors, tfServingErrors } from './http/httpError.js';
import { tfServingRoutes } from './http/tfServingRoutes.js';
import type { Predictor } from './inference/predictor.js';

export interface AppDependencies {
  config: Pick<Config, 'BODY_LIMIT_BYTES' | 'MAX_INSTANCES_PER_REQUEST' | 'DEFAULT_MODEL_NAME'>;
  logger: Logger;
  metrics: Metrics;
  health: Health;
  predictor: Predictor;
}

/** The HTTP app: probes, metrics and the TF Serving REST API. Listening is the caller's job. */
export async function buildApp({
  config,
  logger,
  metrics,
  health,
  predictor,
}: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...fastifyLoggerOptions(logger),
    ...routerErrors,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  tfServingErrors(app);
  await app.register(fastifyTelemetry, { metrics });
  await app.register(fastifyHealthRoutes, { health });
  await app.register(tfServingRoutes, {
    predictor,
    maxInstancesPerRequest: config.MAX_INSTANCES_PER_REQUEST,
    defaultModel: config.DEFAULT_MODEL_NAME,
  });
  return app;
}
