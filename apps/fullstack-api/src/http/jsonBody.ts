import express, { type RequestHandler } from 'express';
import { ApiError } from './apiError.js';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * For routes that take a body: it must be `application/json` in UTF-8 (else 415), at most
 * `limitBytes` (else 413), uncompressed, and valid JSON (else 400). Top-level non-objects are left
 * to the route's schema, which names what it expected.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    // express.json would decode any utf-* charset (UTF-16, UTF-7): JSON is UTF-8 (RFC 8259).
    const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
    if (req.is('application/json') && charset === 'utf-8') {
      next();
      return;
    }
    next(
      new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json', {
        contentType: req.get('content-type') ?? null,
      }),
    );
  };
  const parse = express.json({ limit: limitBytes, inflate: false, strict: false });
  return [requireJson, parse];
}
