import type { z } from 'zod';

/** One problem with a request, naming the field it concerns. */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/**
 * An error the client can act on; rendered as `{"error": {"code", "message", "details"}}` with
 * its HTTP status. Anything else thrown is a 500 whose details stay in the log.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** A 400 listing every invalid or unknown field of a body or query string. */
export function validationError(
  code: 'invalid_body' | 'invalid_query',
  issues: readonly z.core.$ZodIssue[],
): ApiError {
  const details: FieldProblem[] = issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...at, key].join('.'),
        code: 'unknown_field',
        message: 'Unknown field',
      }));
    }
    return [{ field: at.join('.'), code: issue.code, message: issue.message }];
  });
  const where = code === 'invalid_body' ? 'request body' : 'query string';
  return new ApiError(400, code, `The ${where} is invalid`, details);
}
