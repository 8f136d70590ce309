import { z } from 'zod';

/** Where a page ended in the list's order (newest first, ties broken by id). */
export interface Cursor {
  /** ISO 8601, as the API shows `createdAt`. */
  createdAt: string;
  id: string;
}

const payload = z.tuple([z.iso.datetime(), z.guid()]);

/** An opaque token for the page after `last`. */
export function encodeCursor({ createdAt, id }: Cursor): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** The cursor inside a token, or undefined when the token was not made by `encodeCursor`. */
export function decodeCursor(token: string): Cursor | undefined {
  if (!/^[\w-]+$/.test(token)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const result = payload.safeParse(parsed);
  if (!result.success) return undefined;
  const [createdAt, id] = result.data;
  return { createdAt, id: id.toLowerCase() };
}
