import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from './logger.js';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

/** Options for `Fastify(...)`: our pino logger and request ids taken from `x-request-id`. */
export function fastifyLoggerOptions(
  logger: Logger,
): Pick<FastifyServerOptions, 'loggerInstance' | 'genReqId'> {
  return {
    loggerInstance: logger,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
  };
}

/** Echoes the request id and records RED metrics labelled by route template; serves `GET /metrics`. */
export const fastifyTelemetry = fp<{ metrics: Metrics }>(
  (app: FastifyInstance, { metrics }, done) => {
    app.addHook('onRequest', (request, reply, next) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      next();
    });
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      next();
    });
    app.get('/metrics', { logLevel: 'silent' }, async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    done();
  },
  { name: '@taller/telemetry' },
);
