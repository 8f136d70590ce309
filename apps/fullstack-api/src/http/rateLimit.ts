import type { Request, RequestHandler } from 'express';
import { ApiError } from '@taller/telemetry';
import { Counter, type Registry } from 'prom-client';
import type { RedisAvailability } from '../redis/redisAvailability.js';

/**
 * Lua: `countRequest(key, window)` counts one request in the client's fixed window of `window`
 * seconds (opened by its first request) and returns `{count, ms left in the window}`. The key and
 * the commands are those of rate-limiter-flexible's RateLimiterRedis, which this replaces, so
 * replicas of both versions share one count during a rollout. A script that reads the cache
 * includes it, so that a read counts against the limit in the same round trip.
 */
export const COUNT_REQUEST_LUA = `
local function countRequest(key, window)
  redis.call('SET', key, 0, 'EX', window, 'NX')
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('EXPIRE', key, window)
    ttl = 1000 * window
  end
  return {count, ttl}
end
`;

/** `{count, ms left in the window}`, as `countRequest` returns them. */
export type WindowCount = [count: number, msLeft: number];

interface LimiterCommands {
  rateLimitCount(key: string, windowSeconds: number): Promise<WindowCount>;
}

/** One request to count: in its own round trip (`consume`) or inside another script (`settle`). */
export interface RequestCount {
  /** The client's counter, for a script that counts with COUNT_REQUEST_LUA. */
  readonly key: string;
  readonly windowSeconds: number;
  readonly points: number;
  /** Counts in Redis alone (or in memory while Redis is away); throws the 429 when over. */
  consume(): Promise<void>;
  /** Takes a count made in Redis, or counts in memory when Redis was not reached (undefined). */
  settle(counted: WindowCount | undefined): void;
}

export interface RateLimiterOptions {
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
 * applies per replica) rather than letting everything through or refusing everything. A client
 * over its limit is refused from memory until its window ends, sparing Redis.
 */
export class RateLimiter {
  readonly points: number;
  readonly windowSeconds: number;
  readonly #redis: RedisAvailability;
  readonly #prefix: string;
  readonly #limited: Counter;
  /** Client key -> when its refusal from memory ends (ms since the epoch). */
  readonly #blocked = new Map<string, number>();
  /** While Redis is away: client key -> its count and when its window ends. */
  readonly #local = new Map<string, { count: number; endsAt: number }>();
  #sweepAt = 0;

  constructor({ redis, keyPrefix, points, windowSeconds, registry }: RateLimiterOptions) {
    this.points = points;
    this.windowSeconds = windowSeconds;
    this.#redis = redis;
    this.#prefix = `${keyPrefix}ratelimit:`;
    this.#limited = new Counter({
      name: 'fullstack_rate_limited_requests_total',
      help: 'Requests refused with 429 because their client exceeded the rate limit.',
      registers: [registry],
    });
    redis.client.defineCommand('rateLimitCount', {
      numberOfKeys: 1,
      lua: `${COUNT_REQUEST_LUA} return countRequest(KEYS[1], ARGV[1])`,
    });
  }

  /**
   * The count of one request from the client of `req` (its address, `req.ip`), or undefined when
   * the limiter is off. Throws the 429 at once when the client is refused from memory.
   */
  count(req: Request): RequestCount | undefined {
    if (this.points === 0) return undefined;
    const key = this.#prefix + (req.ip ?? 'unknown');
    const now = Date.now();
    if (now >= this.#sweepAt) this.#sweep(now);
    const blockedUntil = this.#blocked.get(key);
    if (blockedUntil !== undefined && blockedUntil > now) throw this.#refusal(blockedUntil - now);
    // A plain object literal per request: cheaper than a class instance with private fields.
    return {
      key,
      windowSeconds: this.windowSeconds,
      points: this.points,
      consume: async () => {
        const counted = await this.#redis.attempt('rate_limit', (client) =>
          (client as unknown as LimiterCommands).rateLimitCount(key, this.windowSeconds),
        );
        this.#settle(key, counted.ok ? counted.value : undefined);
      },
      settle: (counted) => this.#settle(key, counted),
    };
  }

  /** Express middleware counting every request that reaches it. */
  middleware(): RequestHandler {
    return async (req, _res, next) => {
      await this.count(req)?.consume();
      next();
    };
  }

  #settle(key: string, counted: WindowCount | undefined): void {
    const [count, msLeft] = counted ?? this.#countLocally(key);
    if (count <= this.points) return;
    if (counted) this.#blocked.set(key, Date.now() + msLeft);
    throw this.#refusal(msLeft);
  }

  #countLocally(key: string): WindowCount {
    const now = Date.now();
    let window = this.#local.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowSeconds * 1000 };
      this.#local.set(key, window);
    }
    window.count += 1;
    return [window.count, window.endsAt - now];
  }

  // Forgets windows and refusals that ended, at most once a window, so memory stays bounded.
  #sweep(now: number): void {
    for (const [key, until] of this.#blocked) if (until <= now) this.#blocked.delete(key);
    for (const [key, window] of this.#local) if (window.endsAt <= now) this.#local.delete(key);
    this.#sweepAt = now + this.windowSeconds * 1000;
  }

  #refusal(msLeft: number): ApiError {
    this.#limited.inc();
    const retryAfter = Math.max(1, Math.ceil(msLeft / 1000));
    return new ApiError(429, 'rate_limited', `Too many requests; retry in ${retryAfter} s`, {
      details: {
        limit: this.points,
        windowSeconds: this.windowSeconds,
        retryAfterSeconds: retryAfter,
      },
      headers: { 'retry-after': String(retryAfter) },
    });
  }
}
