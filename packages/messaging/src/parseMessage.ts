import { z } from 'zod';

/** Why a message cannot be processed, ever: it goes to the dead-letter queue with this reason. */
export type MalformedReason = 'invalid_json' | 'unsupported_version' | 'invalid_schema';

export type Parsed<T> =
  { ok: true; value: T } | { ok: false; reason: MalformedReason; detail: string };

/** Decodes a JSON message body and checks it against a versioned contract. */
export function parseMessage<T>(content: Buffer, schema: z.ZodType<T>, version: number): Parsed<T> {
  let data: unknown;
  try {
    data = JSON.parse(content.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: (error as Error).message };
  }
  const found =
    typeof data === 'object' && data !== null ? (data as { version?: unknown }).version : undefined;
  if (typeof found === 'number' && found !== version) {
    return {
      ok: false,
      reason: 'unsupported_version',
      detail: `version ${found}; this consumer reads version ${version}`,
    };
  }
  const result = schema.safeParse(data);
  if (!result.success)
    return { ok: false, reason: 'invalid_schema', detail: z.prettifyError(result.error) };
  return { ok: true, value: result.data };
}
