// A subpath of its own (`@taller/health/fastify`): it loads Fastify, which an Express app's image
// does not have.
import {
  fastifyApiErrors,
  fastifyLoggerOptions,
  fastifyRouterErrors,
  fastifyTelemetry,
  type FastifyApiErrorsOptions,
  type Logger,
  type Metrics,
} from '@taller/telemetry';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { fastifyHealthRoutes } from './fastify.js';
import type { Health } from './health.js';
import { urlOf, type Resource, type RunningApp } from './runningApp.js';
import { limitServer, type ServerLimits } from './serverLimits.js';

export interface FastifyAppOptions extends FastifyApiErrorsOptions {
  logger: Logger;
  metrics: Metrics;
  health: Health;
  /** Fastify's own options on top of ours (bodyLimit, ajv...). */
  options?: FastifyServerOptions;
}

/**
 * The skeleton of every JSON API on Fastify, before its own routes: our logger and request ids,
 * every error as an ErrorBody, JSON bodies only (anything else is a 415), RED metrics with
 * `/metrics` and `/version`, and the probes. No listening, no globals.
 */
export async function fastifyApp({
  logger,
  metrics,
  health,
  options,
  mapError,
}: FastifyAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ ...fastifyLoggerOptions(logger), ...fastifyRouterErrors, ...options });
  // Fastify also parses text/plain by default.
  app.removeContentTypeParser('text/plain');
  fastifyApiErrors(app, { mapError });
  await app.register(fastifyTelemetry, { metrics });
  await app.register(fastifyHealthRoutes, { health });
  return app;
}

export interface ListenOptions {
  settings: ServerLimits & { HOST: string; PORT: number };
  health: Health;
  /** What the app opened, in the order it opened them (closed last one first). */
  resources: Resource[];
}

/** Listens on HOST:PORT within the shared server limits; the app as its startApp returns it. */
export async function listenApp(
  app: FastifyInstance,
  { settings, health, resources }: ListenOptions,
): Promise<RunningApp> {
  limitServer(app.server, settings);
  await app.listen({ host: settings.HOST, port: settings.PORT });
  return { server: app.server, url: urlOf(app.server), health, resources };
}
