// SQLSTATE classes that mean "the database could not be reached or dropped us", as opposed to
// "this statement is wrong": 08 connection exception, 57P admin shutdown / crash / cannot connect
// now, 53300 too many connections.
const UNAVAILABLE_STATE = /^(08|57P)|^53300$/;
const UNAVAILABLE_NODE_CODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended/i;

/** True when a database call failed because the database is unreachable, restarting or dropped us. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || UNAVAILABLE_NODE_CODE.has(code)))
    return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return UNAVAILABLE_MESSAGE.test(error.message);
}
