import { ApiError, fastifyFrameworkErrors } from '@taller/telemetry';
import type { FastifyInstance } from 'fastify';

/** Fastify options: router failures (a path that is not percent-encoding) as TF Serving errors. */
export const routerErrors = fastifyFrameworkErrors((reply, { status, message }) =>
  reply.code(status).send({ error: `Malformed request: ${message}` }),
);

/**
 * Every error answers as TF Serving does, `{"error": "..."}`: the message of ApiErrors (a bad
 * tensor, an unknown model, not ready, queue full, with their headers) and of Fastify's client
 * errors (bad JSON, a body over the limit), a generic one for faults (logged).
 */
export function tfServingErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).headers(error.headers).send({ error: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: `Malformed request: ${request.method} ${request.url.split('?')[0]}` }),
  );
}
