import { STATUS_CODES } from 'node:http';
import { ApiError, type Logger } from '@taller/telemetry';
import type { ErrorRequestHandler, RequestHandler } from 'express';

interface HttpError extends Error {
  status?: number;
  type?: string;
  limit?: number;
}

// raw-body tags its errors with a type; each gets its own code.
const BODY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.too.large': {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is too large',
  },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'The request was aborted' },
  'request.size.invalid': {
    status: 400,
    code: 'invalid_content_length',
    message: 'The request body does not match its Content-Length',
  },
};

/** Renders every error as `{"error": {"code", "message", "details"}}`; never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) {
      (req.log ?? logger).error({ err: error }, 'request failed');
    }
    if (res.headersSent) {
      // Too late for an error body: end the response so the client sees a broken transfer.
      res.destroy();
      return;
    }
    res.status(apiError.status).set(apiError.headers).json(apiError.body());
  };
}

/** The last route: a JSON 404 for any path nothing else answered. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `Nothing at ${req.method} ${req.path}`));
};

/** A JSON 405 naming the methods a path does accept. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, _res, next) => {
    next(
      new ApiError(405, 'method_not_allowed', `${req.method} is not allowed here`, {
        details: { allow: allowed },
        headers: { allow },
      }),
    );
  };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const httpError = error as HttpError;
  const known = httpError.type === undefined ? undefined : BODY_ERRORS[httpError.type];
  if (known) {
    const details = httpError.type === 'entity.too.large' ? { limitBytes: httpError.limit } : null;
    return new ApiError(known.status, known.code, known.message, { details });
  }
  // Client errors raised by Express itself (a percent-encoding that does not decode, ...).
  const status = httpError.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (STATUS_CODES[status] ?? 'bad request').toLowerCase().replace(/\W+/g, '_');
    return new ApiError(status, code, httpError.message);
  }
  return new ApiError(500, 'internal_error', 'Internal server error');
}
