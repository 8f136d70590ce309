/**
 * An error the client can act on; rendered as `{"error": {"code", "message", "details"}}` with
 * its HTTP status. Anything else thrown is a 500 (or a 503 when the database is unavailable)
 * whose details stay in the log.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** One problem with a request, naming the field it concerns. */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}
