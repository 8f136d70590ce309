import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from './logger.js';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

// Probes and scrapes arrive every few seconds: count them, but keep them out of the logs.
const QUIET_PATHS = new Set(['/livez', '/readyz', '/startupz', '/metrics']);

/**
 * Request id (echoed in `x-request-id`), one JSON log line per request, and RED metrics labelled
 * by route template. Mount before the routes.
 */
export function expressTelemetry(logger: Logger, metrics: Metrics): RequestHandler[] {
  const requestLogger = pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    quietReqLogger: true, // lines logged by handlers carry just `reqId`, as in Fastify
    autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url?.split('?')[0] ?? '') },
  });
  const recordMetrics: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.observeRequest(req.method, routeTemplate(req, res), res.statusCode, seconds);
    });
    next();
  };
  return [requestLogger, recordMetrics];
}

/** `GET /metrics` in Prometheus text format. */
export function expressMetricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

function routeTemplate(req: Request, _res: Response): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : UNMATCHED_ROUTE;
}
