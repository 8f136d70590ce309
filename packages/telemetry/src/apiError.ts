/** One problem with a request, naming the field it concerns (`items.0.quantity`). */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/** The body of every error the JSON APIs answer: a machine-readable code, a message, details. */
export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

export function errorBody(code: string, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details } };
}

export interface ApiErrorOptions {
  details?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error the client can act on: its status, code, message, details and headers are the
 * response. Anything else thrown is a 500 whose details stay in the log. Express and Fastify
 * apps throw and render the same class.
 */
export class ApiError extends Error {
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    { details = null, headers = {}, cause }: ApiErrorOptions = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.details = details;
    this.headers = headers;
  }

  body(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

/** A 503 that tells the client when to come back: a queue is full, not broken. */
export class OverloadedError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(503, 'overloaded', message, { headers: { 'retry-after': String(retryAfterSeconds) } });
    this.name = 'OverloadedError';
  }
}
