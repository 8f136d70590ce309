import type { RequestHandler } from 'express';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisAvailability } from '../redis/redisAvailability.js';
import { ApiError } from './apiError.js';

export interface RateLimitOptions {
  redis: RedisAvailability;
  keyPrefix: string;
  /** Requests each client may make per window; 0 turns the limiter off. */
  points: number;
  windowSeconds: number;
  registry: Registry;
}

/**
 * A fixed-window limit per client address, counted in Redis so that every replica shares it.
 * While Redis is unavailable each replica counts in its own memory instead (the limit then
 * applies per replica) rather than letting everything through or refusing everything.
 */
export function rateLimit({
  redis,
  keyPrefix,
  points,
  windowSeconds,
  registry,
}: RateLimitOptions): RequestHandler {
  const limited = new Counter({
    name: 'rate_limited_requests_total',
    help: 'Requests refused with 429 because their client exceeded the rate limit.',
    registers: [registry],
  });
  if (points === 0) return (_req, _res, next) => next();
  const shared = new RateLimiterRedis({
    storeClient: redis.client,
    keyPrefix: `${keyPrefix}ratelimit`,
    points,
    duration: windowSeconds,
    // Fail at once while disconnected instead of waiting for the command timeout.
    rejectIfRedisNotReady: true,
    // A client over its limit is refused from memory until its window ends, sparing Redis.
    inMemoryBlockOnConsumed: points + 1,
  });
  const local = new RateLimiterMemory({ keyPrefix: 'local', points, duration: windowSeconds });

  return async (req, res, next) => {
    const key = req.ip ?? 'unknown';
    const counted = await redis.attempt('rate_limit', () => verdict(shared.consume(key)));
    const result = counted.ok ? counted.value : await verdict(local.consume(key));
    if (result.allowed) {
      next();
      return;
    }
    limited.inc();
    const retryAfter = Math.max(1, Math.ceil(result.res.msBeforeNext / 1000));
    next(
      new ApiError(
        429,
        'rate_limited',
        `Too many requests; retry in ${retryAfter} s`,
        { limit: points, windowSeconds, retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      ),
    );
  };
}

// rate-limiter-flexible rejects with a RateLimiterRes when over the limit and with an Error when
// the store fails: only the latter is a Redis problem.
async function verdict(
  consumed: Promise<RateLimiterRes>,
): Promise<{ allowed: boolean; res: RateLimiterRes }> {
  try {
    return { allowed: true, res: await consumed };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { allowed: false, res: error };
    throw error;
  }
}
