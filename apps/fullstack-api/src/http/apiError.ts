import { ApiError, type FieldProblem } from '@taller/telemetry';
import type { z } from 'zod';

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
  return new ApiError(400, code, `The ${where} is invalid`, { details });
}
