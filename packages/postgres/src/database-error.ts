/**
 * What to log of a database error: pg attaches the whole client (connection parameters, type
 * tables) to some errors, which would bury the message in kilobytes of JSON.
 */
export function databaseError(error: unknown): { message: string; code?: unknown } {
  if (!(error instanceof Error)) return { message: String(error) };
  return { message: error.message, code: (error as { code?: unknown }).code };
}
