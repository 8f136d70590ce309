import { fastifyHealthRoutes, type Health } from '@taller/health';
import {
  fastifyApiErrors,
  fastifyLoggerOptions,
  fastifyRouterErrors,
  fastifyTelemetry,
  type Logger,
  type Metrics,
} from '@taller/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';

export interface AppDependencies {
  logger: Logger;
  metrics: Metrics;
  health: Health;
}

/** The worker's HTTP side: health probes and metrics only. No listening, no globals. */
export async function buildApp({
  logger,
  metrics,
  health,
}: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({ ...fastifyLoggerOptions(logger), ...fastifyRouterErrors });
  fastifyApiErrors(app);
  await app.register(fastifyTelemetry, { metrics });
  await app.register(fastifyHealthRoutes, { health });
  return app;
}
