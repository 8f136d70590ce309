import { z } from 'zod';

/** pino's levels, for LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * PORT, HOST and LOG_LEVEL, as a zod shape to spread into an app's schema: where it listens (every
 * interface by default, as a container must; PORT 0 picks a free port) and how much it logs.
 * The HTTP_* bounds on clients (applied by `limitServer` of @taller/health): headers within 10 s,
 * the whole request within 30 s (a stalled body is cut, 408), idle keep-alive connections kept
 * 65 s (longer than the 60 s of proxies in front, so the proxy closes them first), and at most
 * 1,000 open connections.
 */
export function serverSettings({ port }: { port: number }) {
  return {
    PORT: z.coerce.number().int().min(0).max(65535).default(port),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1).default(65_000),
    HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1000),
  };
}

/**
 * SHUTDOWN_DRAIN_DELAY_MS (how long to keep serving after readiness fails, so endpoints stop
 * routing here; 5 s unless the app says otherwise) and SHUTDOWN_TIMEOUT_MS (the hard limit, 25 s:
 * under Kubernetes' 30 s grace period), for `gracefulShutdown` of @taller/health.
 */
export function shutdownSettings({ drainDelayMs = 5000 }: { drainDelayMs?: number } = {}) {
  return {
    SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).default(drainDelayMs),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1).default(25_000),
  };
}
