import { ApiError } from '@taller/telemetry';

/**
 * What to log of a database error: pg attaches the whole client (connection parameters, type
 * tables) to some errors, which would bury the message in kilobytes of JSON.
 */
export function databaseError(error: unknown): { message: string; code?: unknown } {
  if (!(error instanceof Error)) return { message: String(error) };
  return { message: error.message, code: (error as { code?: unknown }).code };
}

/**
 * What a failed database call means for the caller:
 * - `unavailable`: not now (unreachable, restarting, overloaded, too slow, or refusing this app's
 *   role or database): answer 503 with Retry-After, or retry later.
 * - `rejected`: the statement's values were refused (SQLSTATE class 22 data exception or 23
 *   integrity constraint): the input is at fault, a 4xx.
 * - `defect`: anything else is a bug in the app: a 500.
 */
export type DatabaseFailure = 'unavailable' | 'rejected' | 'defect';

// 08 connection exception, 28 invalid authorization (no such role, wrong password), 3D000 no
// such database, 40001/40P01 serialization failure and deadlock, 53 insufficient resources (too
// many connections, out of memory or disk), 55P03 lock timeout, 57 operator intervention (a
// statement timeout, 57014, as well as shutdown, crash and "cannot connect now").
const UNAVAILABLE_STATE = /^(08|28|53|57)|^(3D000|40001|40P01|55P03)$/;
const REJECTED_STATE = /^(22|23)/;
// pg and Node.js report a connection that never opened or broke without a SQLSTATE.
const UNAVAILABLE_NODE_CODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended/i;

/** Classifies an error thrown by pg (a pool, a client or a query). */
export function classifyDatabaseError(error: unknown): DatabaseFailure {
  if (!(error instanceof Error)) return 'defect';
  if (error instanceof AggregateError) {
    // A connection attempt to every address of a host name: unavailable if any says so.
    return error.errors.some((inner) => classifyDatabaseError(inner) === 'unavailable')
      ? 'unavailable'
      : 'defect';
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_STATE.test(code) || UNAVAILABLE_NODE_CODE.has(code)) return 'unavailable';
    if (REJECTED_STATE.test(code)) return 'rejected';
  }
  return UNAVAILABLE_MESSAGE.test(error.message) ? 'unavailable' : 'defect';
}

/** True when the call may succeed if retried later: see {@link classifyDatabaseError}. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return classifyDatabaseError(error) === 'unavailable';
}

/**
 * The answer a JSON API gives for a failed database call, the same in every app: unavailable
 * is a 503 `database_unavailable` with Retry-After, a refused value a 400 `invalid_value`; a
 * defect is not the client's business (undefined: the app's 500).
 */
export function databaseApiError(error: unknown): ApiError | undefined {
  switch (classifyDatabaseError(error)) {
    case 'unavailable':
      return new ApiError(
        503,
        'database_unavailable',
        'The database is unavailable; retry shortly',
        {
          headers: { 'retry-after': '1' },
          cause: error,
        },
      );
    case 'rejected':
      return new ApiError(400, 'invalid_value', 'The database refused a value of this request', {
        cause: error,
      });
    case 'defect':
      return undefined;
  }
}
