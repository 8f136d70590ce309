import { ApiError } from '@taller/telemetry';

// The listing's cursor is opaque to clients: the keyset (`seq`) of the last order returned.
export function encodeCursor(seq: string): string {
  return Buffer.from(`o:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const match = /^o:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1])
    throw new ApiError(400, 'invalid_cursor', 'The cursor is not one this API returned');
  return match[1];
}
