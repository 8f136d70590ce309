import type { RequestHandler } from 'express';
import getRawBody from 'raw-body';
import { ApiError } from '@taller/telemetry';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * For routes that take a body: it must be `application/json` in UTF-8 (else 415), uncompressed
 * (else 415), at most `limitBytes` (else 413, answered as soon as the limit is passed, the rest
 * never read) and valid JSON (else 400). An empty body is `{}`; top-level non-objects are left to
 * the route's schema, which names what it expected.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    // JSON is UTF-8 (RFC 8259): UTF-16 or UTF-7 bodies are refused rather than decoded.
    const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
    if (!req.is('application/json') || charset !== 'utf-8') {
      next(
        new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json', {
          details: { contentType: req.get('content-type') ?? null },
        }),
      );
      return;
    }
    if ((req.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity') {
      next(
        new ApiError(415, 'unsupported_media_type', 'Compressed request bodies are not accepted'),
      );
      return;
    }
    getRawBody(
      req,
      { length: req.get('content-length'), limit: limitBytes, encoding: 'utf-8' },
      (error, text) => {
        if (error) {
          // raw-body stops reading at the limit: close the connection after the 413 instead of
          // draining a body that may be gigabytes long.
          if (error.type === 'entity.too.large') res.set('connection', 'close');
          next(error);
          return;
        }
        try {
          req.body = text === '' ? {} : (JSON.parse(text) as unknown);
        } catch {
          next(new ApiError(400, 'malformed_json', 'The request body is not valid JSON'));
          return;
        }
        next();
      },
    );
  };
}
