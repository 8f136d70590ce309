import { fileURLToPath } from 'node:url';
import { expressHealthRoutes, type Health } from '@taller/health';
import {
  expressMetricsHandler,
  expressVersionHandler,
  expressTelemetry,
  type Logger,
  type Metrics,
} from '@taller/telemetry';
import cors from 'cors';
import express, { type Express, type Router } from 'express';
import type { HelmetOptions } from 'helmet';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from './config.js';
import { errorHandler, notFound } from './http/errorHandler.js';
import { RateLimiter } from './http/rateLimit.js';
import { securityHeaders } from './http/securityHeaders.js';
import { createTaskMetrics } from './metrics.js';
import { RedisAvailability } from './redis/redisAvailability.js';
import { TaskCache } from './tasks/taskCache.js';
import { TaskRepository } from './tasks/taskRepository.js';
import { taskRoutes } from './tasks/taskRoutes.js';

// The same folder from src/ (tsx) and dist/ (the image).
const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

export type AppSettings = Pick<
  Config,
  | 'REDIS_PREFIX'
  | 'REDIS_COOLDOWN_MS'
  | 'CACHE_TTL_SECONDS'
  | 'RATE_LIMIT_POINTS'
  | 'RATE_LIMIT_WINDOW_SECONDS'
  | 'TRUST_PROXY'
  | 'CORS_ORIGINS'
  | 'JSON_BODY_LIMIT_BYTES'
>;

export interface AppDependencies {
  config: AppSettings;
  pool: pg.Pool;
  redis: Redis;
  logger: Logger;
  metrics: Metrics;
  health: Health;
}

// The page loads only its own files and talks only to its own API.
const SECURITY_HEADERS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
};

/** The task board: JSON API under /api, the web page, probes and metrics. */
export function buildApp(dependencies: AppDependencies): Express {
  const { config, logger, metrics, health } = dependencies;
  const app = express();
  // Paths are case-sensitive: `/ApI/tasks` is a 404, not a second spelling of the API (and of its
  // metrics' route label, which is built from the mount path as the client wrote it).
  app.set('case sensitive routing', true);
  app.set('trust proxy', config.TRUST_PROXY);
  // Task responses carry their version as ETag; hashing every body for one would be wasted work.
  app.set('etag', false);
  app.set('x-powered-by', false);

  app.use(expressTelemetry(logger, metrics));
  app.use(securityHeaders(SECURITY_HEADERS));
  // The API first: its requests are the many, and pass no other route on their way.
  app.use('/api', apiRouter(dependencies));
  expressHealthRoutes(app, health);
  app.get('/metrics', expressMetricsHandler(metrics));
  app.get('/version', expressVersionHandler(metrics));
  app.use(express.static(PUBLIC_DIR));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

/** `/api`: the tasks behind the shared rate limit and the Redis cache, JSON 404s. */
function apiRouter({ config, pool, redis, logger, metrics }: AppDependencies): Router {
  const registry = metrics.registry;
  const availability = new RedisAvailability({
    client: redis,
    cooldownMs: config.REDIS_COOLDOWN_MS,
    logger,
    registry,
  });
  const api = express.Router({ caseSensitive: true });
  // CORS stays off (same-origin only) unless origins are listed.
  if (config.CORS_ORIGINS.length > 0) {
    api.use(
      cors({
        origin: config.CORS_ORIGINS,
        exposedHeaders: ['etag', 'location', 'retry-after', 'x-request-id'],
        maxAge: 600,
      }),
    );
  }
  taskRoutes(api, {
    repository: new TaskRepository(pool),
    cache: new TaskCache({
      redis: availability,
      keyPrefix: config.REDIS_PREFIX,
      ttlSeconds: config.CACHE_TTL_SECONDS,
      registry,
    }),
    limiter: new RateLimiter({
      redis: availability,
      keyPrefix: config.REDIS_PREFIX,
      points: config.RATE_LIMIT_POINTS,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      registry,
    }),
    metrics: createTaskMetrics(registry),
    bodyLimitBytes: config.JSON_BODY_LIMIT_BYTES,
  });
  api.use(notFound);
  return api;
}
