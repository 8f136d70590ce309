import { z } from 'zod';

/** Where a page ended in the list's order (newest first, ties broken by id). */
export interface Cursor {
  /** ISO 8601, as the API shows `createdAt`. */
  createdAt: string;
  id: string;
}

// Only an instant as the API writes it (toISOString): a year 0000 or a 30 February would reach
// PostgreSQL, which rejects it (SQLSTATE 22008).
const instant = z.iso
  .datetime()
  .refine((text) => !text.startsWith('0000') && isCanonical(text), 'Not an instant of this API');
const payload = z.tuple([instant, z.guid()]);

function isCanonical(text: string): boolean {
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString() === text;
}

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
