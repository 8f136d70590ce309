import type { Server } from 'node:http';

/** The HTTP_* settings of `serverSettings` (@taller/config). */
export interface ServerLimits {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_MAX_CONNECTIONS: number;
}

/**
 * Bounds a slow or greedy client the same way in every app: Node answers 408 and closes a
 * connection whose headers or whole request take too long (Fastify's default leaves the request
 * unbounded), and refuses connections past the cap.
 */
export function limitServer(server: Server, limits: ServerLimits): void {
  // Node checks both timeouts against the clock every connectionsCheckingInterval (30 s by default).
  server.headersTimeout = Math.min(limits.HTTP_HEADERS_TIMEOUT_MS, limits.HTTP_REQUEST_TIMEOUT_MS);
  server.requestTimeout = limits.HTTP_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = limits.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = limits.HTTP_MAX_CONNECTIONS;
}
