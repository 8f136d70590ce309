import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's id is kept only when it is short and plain, so it cannot inject into logs.
const VALID_ID = /^[\w.:-]{1,128}$/;

/** The caller's request id when it is safe to reuse, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && VALID_ID.test(value) ? value : randomUUID();
}
