import { fastifyFrameworkErrors } from '@taller/telemetry';
import type { FastifyInstance } from 'fastify';

/** An error that is the client's to see: its status code and message become the response. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Fastify options: router failures (a path that is not percent-encoding) as TF Serving errors. */
export const routerErrors = fastifyFrameworkErrors((reply, { status, message }) =>
  reply.code(status).send({ error: `Malformed request: ${message}` }),
);

/**
 * Every error answers as TF Serving does, `{"error": "..."}`: the message of client errors
 * (bad JSON, a body over the limit, a bad tensor...) and of deliberate 503s (not ready, queue
 * full), a generic one for faults (logged).
 */
export function tfServingErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).headers(error.headers).send({ error: error.message });
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
