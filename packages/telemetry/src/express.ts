import type { Request, RequestHandler } from 'express';
import type { Logger } from './logger.js';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './requestId.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id, also echoed in the `x-request-id` response header. */
    id: string;
    /** A child of the app's logger whose lines carry `reqId`. */
    log: Logger;
  }
}

// Probes and scrapes arrive every few seconds: count them, but keep them out of the logs.
const QUIET_PATHS = new Set(['/livez', '/readyz', '/startupz', '/metrics']);

/**
 * Request id (echoed in `x-request-id`), `req.log` (a child logger carrying `reqId`), one JSON
 * log line per request (`request completed`, `request errored` for 5xx, `request aborted` when the
 * client left first), and RED metrics labelled by route template. Mount before the routes.
 *
 * The access line holds what an operator needs (method, URL, client address, status, time), not
 * the request's and response's headers: serialising and redacting those on every request cost
 * more CPU than the rest of a cached API read.
 */
export function expressTelemetry(logger: Logger, metrics: Metrics): RequestHandler {
  // The access line holds only the fixed fields below, none of them a credential or a redacted
  // path, so it skips the logger's wildcard redaction (~4 us a line); `req.log` keeps it.
  const accessLog = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, id);
    req.id = id;
    req.log = logger.child({ reqId: id });
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const finished = res.writableFinished;
      if (finished) metrics.observeRequest(req.method, routeTemplate(req), res.statusCode, seconds);
      if (QUIET_PATHS.has(req.path)) return;
      const line = {
        reqId: id,
        req: { method: req.method, url: req.originalUrl, remoteAddress: req.ip },
        res: { statusCode: finished ? res.statusCode : 499 },
        responseTime: Math.round(seconds * 1e4) / 10,
      };
      if (!finished) accessLog.info(line, 'request aborted');
      else if (res.statusCode >= 500) accessLog.error(line, 'request errored');
      else accessLog.info(line, 'request completed');
    });
    next();
  };
}

/** `GET /version`: the app, its version and its Node.js, as JSON. */
export function expressVersionHandler(metrics: Metrics): RequestHandler {
  return (_req, res) => {
    res.json(metrics.build);
  };
}

/** `GET /metrics` in Prometheus text format. */
export function expressMetricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

function routeTemplate(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : UNMATCHED_ROUTE;
}
