import type { Logger } from '@taller/telemetry';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the app uses Redis for; the label of the fallback metric. */
export type RedisOperation = 'cache_read' | 'cache_write' | 'cache_invalidate' | 'rate_limit';

export type Attempt<T> = { ok: true; value: T } | { ok: false };

// One late reply can be this process's own event loop stalling (a CPU-throttled pod, a long GC),
// not Redis: only this many failures in a row take Redis out of service.
const FAILURES_TO_TRIP = 3;

/**
 * Runs Redis commands on behalf of the cache and the rate limiter, and decides when not to: while
 * disconnected, or after FAILURES_TO_TRIP failures in a row (errors, or replies slower than the
 * command timeout), Redis is skipped for REDIS_COOLDOWN_MS, so a slow Redis costs a few timeouts
 * per cooldown instead of one per request; one more failure after the cooldown skips it again.
 * Callers fall back to PostgreSQL or to memory. Degraded periods are logged once at each
 * transition and exported as `fullstack_redis_degraded` and `fullstack_redis_fallbacks_total`.
 */
export class RedisAvailability {
  readonly client: Redis;
  readonly #cooldownMs: number;
  readonly #logger: Logger;
  readonly #fallbacks: Counter<'operation'>;
  #skipUntil = 0;
  #degraded = false;
  #failuresInARow = 0;

  constructor({
    client,
    cooldownMs,
    logger,
    registry,
  }: {
    client: Redis;
    cooldownMs: number;
    logger: Logger;
    registry: Registry;
  }) {
    this.client = client;
    this.#cooldownMs = cooldownMs;
    this.#logger = logger;
    this.#fallbacks = new Counter({
      name: 'fullstack_redis_fallbacks_total',
      help: 'Operations served without Redis (from PostgreSQL or memory) because it was down or slow.',
      labelNames: ['operation'],
      registers: [registry],
    });
    const degraded: Gauge = new Gauge({
      name: 'fullstack_redis_degraded',
      help: '1 while Redis is considered unavailable and the app runs degraded, else 0.',
      registers: [registry],
      collect: () => degraded.set(this.available ? 0 : 1),
    });
    // ioredis emits an error per failed reconnection attempt: the transition log says it once.
    client.on('error', (error: Error) => this.#markDown('connection', error));
    client.on('ready', () => this.#markUp());
  }

  /** Whether commands are worth trying now. */
  get available(): boolean {
    return this.client.status === 'ready' && Date.now() >= this.#skipUntil;
  }

  /**
   * Runs `command`, or reports `{ ok: false }` (counted for each of `operations`) when Redis is
   * down, slow or failing.
   */
  async attempt<T>(
    operations: RedisOperation | readonly RedisOperation[],
    command: (client: Redis) => Promise<T>,
  ): Promise<Attempt<T>> {
    const operation = typeof operations === 'string' ? operations : operations[0]!;
    if (!this.available) {
      this.#countFallback(operations);
      const { status } = this.client;
      if (status !== 'ready') this.#markDown(operation, new Error(`connection is ${status}`));
      return { ok: false };
    }
    try {
      const value = await command(this.client);
      this.#failuresInARow = 0;
      if (this.#degraded) this.#markUp();
      return { ok: true, value };
    } catch (error) {
      this.#countFallback(operations);
      this.#failuresInARow += 1;
      if (this.#degraded || this.#failuresInARow >= FAILURES_TO_TRIP) {
        this.#skipUntil = Date.now() + this.#cooldownMs;
        this.#markDown(operation, error);
      }
      return { ok: false };
    }
  }

  #countFallback(operations: RedisOperation | readonly RedisOperation[]): void {
    if (typeof operations === 'string') this.#fallbacks.inc({ operation: operations });
    else for (const operation of operations) this.#fallbacks.inc({ operation });
  }

  #markDown(operation: RedisOperation | 'connection', error: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#logger.warn(
      { err: error, operation, cooldownMs: this.#cooldownMs },
      'redis unavailable: serving from PostgreSQL, rate limiting per replica',
    );
  }

  #markUp(): void {
    this.#failuresInARow = 0;
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#skipUntil = 0;
    this.#logger.info({}, 'redis available again');
  }
}
