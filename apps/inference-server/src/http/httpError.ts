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

/**
 * Every error answers as TF Serving does, `{"error": "..."}`: the message of client errors
 * (bad JSON, a body over the limit, a bad tensor...), a generic one for server faults (logged).
 */
export function tfServingErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'internal error' });
    }
    if (error instanceof HttpError) void reply.headers(error.headers);
    return reply.code(status).send({ error: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: `Malformed request: ${request.method} ${request.url.split('?')[0]}` }),
  );
}
