import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from './logger.js';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './requestId.js';

/** Options for `Fastify(...)`: our pino logger and request ids taken from `x-request-id`. */
export function fastifyLoggerOptions(
  logger: Logger,
): Pick<FastifyServerOptions, 'loggerInstance' | 'genReqId'> {
  return {
    loggerInstance: logger,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
  };
}

/** What went wrong before any route matched: not valid percent-encoding, or over maxParamLength. */
export interface RouterFailure {
  status: 400 | 414;
  code: 'invalid_path' | 'uri_too_long';
  message: string;
}

const INVALID_PATH: RouterFailure = {
  status: 400,
  code: 'invalid_path',
  message: 'The path is not valid percent-encoding',
};
const URI_TOO_LONG: RouterFailure = {
  status: 414,
  code: 'uri_too_long',
  message: 'A path parameter is too long',
};

/**
 * Fastify's `frameworkErrors`: failures of the router itself (`GET /orders/%ZZ`, a path parameter
 * over `maxParamLength`) answered by the app's own `answer`, in its error shape and with the
 * request id (no hook runs for them), instead of Fastify's default body.
 */
export function fastifyFrameworkErrors(
  answer: (reply: FastifyReply, failure: RouterFailure) => unknown,
): Pick<FastifyServerOptions, 'frameworkErrors'> {
  return {
    frameworkErrors: (error, request, reply) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      answer(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? URI_TOO_LONG : INVALID_PATH);
    },
  };
}

const VERSION_SCHEMA = {
  response: {
    200: {
      type: 'object',
      properties: {
        service: { type: 'string' },
        version: { type: 'string' },
        node: { type: 'string' },
      },
      required: ['service', 'version', 'node'],
    },
  },
} as const;

/**
 * Echoes the request id and records RED metrics labelled by route template; serves `GET /metrics`
 * and `GET /version`.
 */
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
    app.get('/version', { schema: VERSION_SCHEMA }, async () => metrics.build);
    done();
  },
  { name: '@taller/telemetry' },
);
