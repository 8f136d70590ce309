import { fastifyHealthRoutes, type Health } from '@taller/health';
import {
  fastifyLoggerOptions,
  fastifyTelemetry,
  type Logger,
  type Metrics,
} from '@taller/telemetry';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

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
  const app = Fastify(fastifyLoggerOptions(logger));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      'not_found',
      `No route for ${request.method} ${request.url.split('?')[0]}`,
    ),
  );
  // Its routes take no body: a client's mistake (bad JSON, a body too large) is a 4xx with its
  // message, logged at debug; anything else a 500 without internals.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) {
      request.log.debug({ err: error }, 'bad request');
      return sendError(reply, status, CLIENT_ERROR_CODES[status] ?? 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal_error', 'Internal server error');
  });
  await app.register(fastifyTelemetry, { metrics });
  await app.register(fastifyHealthRoutes, { health });
  return app;
}

const CLIENT_ERROR_CODES: Record<number, string> = {
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message, details: null } });
}
