// Optimistic concurrency over HTTP: a task's ETag is its version, `"3"`. Writes name the version
// they read in `If-Match` (412 when stale) or in the body's `version` field (409 when stale).

/** Versions are PostgreSQL integers: a larger one cannot exist (and must not reach a query). */
export const MAX_VERSION = 2_147_483_647;

export function etagOf(version: number | string): string {
  return `"${version}"`;
}

/**
 * The versions an `If-Match` header accepts: `'any'` for `*`, undefined when absent. Weak and
 * foreign tags never match (RFC 9110 uses the strong comparison for If-Match).
 */
export function ifMatchVersions(header: string | undefined): number[] | 'any' | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return 'any';
  return header
    .split(',')
    .map((tag) => Number(/^\s*"(\d{1,20})"\s*$/.exec(tag)?.[1]))
    .filter((version) => version <= MAX_VERSION);
}

/** Whether `If-None-Match` names the current ETag (weak comparison, as RFC 9110 says). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
