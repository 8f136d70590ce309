import type { Response } from 'express';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends `body`, JSON already serialised, as it is. Express's `res.send` would parse and rebuild
 * the content type twice and work out what is known here. A HEAD response keeps the headers
 * (the length of the body it would have) and Node drops the body.
 */
export function sendJson(res: Response, body: string): void {
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
