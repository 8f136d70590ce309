import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's response headers, worked out once: with static options they are the same for every
 * request, so each response gets the recorded list instead of running helmet's chain of a dozen
 * middlewares. (Its removal of `X-Powered-By` is Express's `x-powered-by` setting, off.)
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: () => undefined,
  };
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error as Error;
    },
  );
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
