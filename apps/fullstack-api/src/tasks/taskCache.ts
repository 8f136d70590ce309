import { randomBytes } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import { COUNT_REQUEST_LUA, type RequestCount, type WindowCount } from '../http/rateLimit.js';
import type { Attempt, RedisAvailability } from '../redis/redisAvailability.js';

/** What is cached: one task, or one page of the list (identified by its query). */
export type CacheEntry = { kind: 'task'; id: string } | { kind: 'list'; query: string };

// Cache-aside with generations, so that a read racing a write can never leave a stale entry
// behind. Every entry lives under `<epoch>:<generation>`: the epoch covers the whole cache, the
// generation one task (or all list pages). A write commits to PostgreSQL and then deletes the
// generation key; the next reader creates a fresh random generation and so reads PostgreSQL
// again. A reader that looked up the old generation before the write and fills it afterwards
// writes to a key nobody will ever look up again. Random tokens (never counters) mean a lost or
// evicted generation key can only cause a miss, never resurrect an old entry.
//
// lookup(): the epoch key, the generation key, a fresh token, the entry key's prefix and suffix,
// the generation TTL in seconds. Returns the entry's key (for the fill after a miss) and its
// value, or false on a miss.
const LOOKUP_LUA = `
local function lookup(epochKey, generationKey, token, prefix, suffix, generationTtl)
  local epoch = redis.call('GET', epochKey)
  if not epoch then
    epoch = token
    redis.call('SET', epochKey, epoch)
  end
  local generation = redis.call('GET', generationKey)
  if not generation then
    generation = token
    redis.call('SET', generationKey, generation, 'EX', generationTtl)
  end
  local key = prefix .. epoch .. ':' .. generation .. suffix
  return { key, redis.call('GET', key) }
end
`;

// The lookup that also counts the request against the rate limit (KEYS[1], ARGV[1] window,
// ARGV[2] points): `{count, ms left}` when over the limit (no lookup), else
// `{count, ms left, key, value}`.
const COUNTED_LOOKUP_LUA = `${COUNT_REQUEST_LUA}${LOOKUP_LUA}
local counted = countRequest(KEYS[1], ARGV[1])
if counted[1] > tonumber(ARGV[2]) then return counted end
local found = lookup(KEYS[2], KEYS[3], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
return { counted[1], counted[2], found[1], found[2] }
`;

// How many undelivered invalidations to remember; past it, one key stands for all of them: the
// epoch, whose deletion drops every entry. Memory stays bounded however long Redis is away.
const MAX_OWED_KEYS = 1000;

type Lookup = [key: string, value: string | null | false];

interface CacheCommands {
  taskCacheLookup(
    epochKey: string,
    generationKey: string,
    token: string,
    prefix: string,
    suffix: string,
    generationTtl: number,
  ): Promise<Lookup>;
  taskCacheCountedLookup(
    rateKey: string,
    epochKey: string,
    generationKey: string,
    windowSeconds: number,
    points: number,
    token: string,
    prefix: string,
    suffix: string,
    generationTtl: number,
  ): Promise<[...WindowCount, ...Partial<Lookup>]>;
}

/**
 * The Redis read cache for tasks and list pages. Values are the serialised responses, so a hit
 * costs one round trip and no JSON work. When Redis is down or slow every call falls through to
 * the loader (PostgreSQL); an invalidation that could not be delivered is remembered, and this
 * replica stays away from the cache until Redis has taken it.
 */
export class TaskCache {
  readonly #redis: RedisAvailability;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #hits: Counter<'cache'>;
  readonly #misses: Counter<'cache'>;
  readonly #tokenBase = randomBytes(6).toString('base64url');
  #tokenCount = 0;
  // Generation keys whose deletion failed (each with the number of its latest failure): this
  // replica keeps away from the cache until they are deleted.
  readonly #owed = new Map<string, number>();
  #owedCount = 0;
  #settling: Promise<boolean> | undefined;

  constructor({
    redis,
    keyPrefix,
    ttlSeconds,
    registry,
  }: {
    redis: RedisAvailability;
    keyPrefix: string;
    ttlSeconds: number;
    registry: Registry;
  }) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}cache:`;
    this.#ttlSeconds = ttlSeconds;
    this.#hits = new Counter({
      name: 'fullstack_cache_hits_total',
      help: 'Reads answered from the Redis cache, by cache (task, list).',
      labelNames: ['cache'],
      registers: [registry],
    });
    this.#misses = new Counter({
      name: 'fullstack_cache_misses_total',
      help: 'Reads that missed the Redis cache and went to PostgreSQL, by cache (task, list).',
      labelNames: ['cache'],
      registers: [registry],
    });
    const owed = this.#owed;
    new Gauge({
      name: 'fullstack_cache_owed_invalidations',
      help: 'Cache invalidations Redis has not taken yet; the cache is bypassed until it has.',
      registers: [registry],
      collect() {
        this.set(owed.size);
      },
    });
    redis.client.defineCommand('taskCacheLookup', {
      numberOfKeys: 2,
      lua: `${LOOKUP_LUA} return lookup(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`,
    });
    redis.client.defineCommand('taskCacheCountedLookup', {
      numberOfKeys: 3,
      lua: COUNTED_LOOKUP_LUA,
    });
    // As soon as Redis is back, deliver the invalidations it missed.
    redis.client.on('ready', () => void this.#settle());
  }

  get enabled(): boolean {
    return this.#ttlSeconds > 0;
  }

  /**
   * The cached value of `entry`, else `load()`'s, cached for next time. `load` returning
   * undefined (not found) is not cached. With `count`, the request is first counted against the
   * rate limit, in the lookup's own round trip when the cache is used (a refusal is thrown and
   * nothing is read).
   */
  async read(
    entry: CacheEntry,
    load: () => Promise<string | undefined>,
    count?: RequestCount,
  ): Promise<string | undefined> {
    if (!this.enabled || (this.#owed.size > 0 && !(await this.#settle()))) {
      await count?.consume();
      return load();
    }
    const lookup = await this.#lookup(entry, count);
    if (!lookup.ok) {
      count?.settle(undefined);
      return load();
    }
    const [key, cached] = lookup.value;
    if (typeof cached === 'string') {
      this.#hits.inc({ cache: entry.kind });
      return cached;
    }
    this.#misses.inc({ cache: entry.kind });
    const value = await load();
    if (value !== undefined) {
      await this.#redis.attempt('cache_write', (client) =>
        client.set(key, value, 'EX', this.#ttlSeconds),
      );
    }
    return value;
  }

  async #lookup(entry: CacheEntry, count: RequestCount | undefined): Promise<Attempt<Lookup>> {
    const { epochKey, generationKey, prefix, suffix } = this.#keys(entry);
    const token = this.#token();
    const generationTtl = this.#ttlSeconds * 2;
    if (count === undefined) {
      return this.#redis.attempt('cache_read', (client) =>
        (client as unknown as CacheCommands).taskCacheLookup(
          epochKey,
          generationKey,
          token,
          prefix,
          suffix,
          generationTtl,
        ),
      );
    }
    const counted = await this.#redis.attempt(['cache_read', 'rate_limit'], (client) =>
      (client as unknown as CacheCommands).taskCacheCountedLookup(
        count.key,
        epochKey,
        generationKey,
        count.windowSeconds,
        count.points,
        token,
        prefix,
        suffix,
        generationTtl,
      ),
    );
    if (!counted.ok) return counted;
    const [requests, msLeft, key, value] = counted.value;
    count.settle([requests, msLeft]);
    return { ok: true, value: [key!, value!] };
  }

  /**
   * Call after a write committed and before answering it: drops the task's entry (when given)
   * and every list page.
   */
  async invalidate(taskId?: string): Promise<void> {
    if (!this.enabled) return;
    const keys = [this.#generationKey({ kind: 'list', query: '' })];
    if (taskId !== undefined) keys.push(this.#generationKey({ kind: 'task', id: taskId }));
    const deleted = await this.#redis.attempt('cache_invalidate', (client) => client.del(...keys));
    if (!deleted.ok) {
      this.#owe(keys);
      void this.#settle();
    }
  }

  #owe(keys: string[]): void {
    const epochKey = this.#keys({ kind: 'list', query: '' }).epochKey;
    if (this.#owed.has(epochKey) || this.#owed.size + keys.length > MAX_OWED_KEYS) {
      this.#owed.clear();
      keys = [epochKey];
    }
    for (const key of keys) this.#owed.set(key, ++this.#owedCount);
  }

  /** True when the cache is safe to use: every failed invalidation has since been delivered. */
  async #settle(): Promise<boolean> {
    if (this.#owed.size === 0) return true;
    this.#settling ??= this.#deliverOwed().finally(() => {
      this.#settling = undefined;
    });
    return this.#settling;
  }

  async #deliverOwed(): Promise<boolean> {
    const owed = new Map(this.#owed);
    const deleted = await this.#redis.attempt('cache_invalidate', (client) =>
      client.del(...owed.keys()),
    );
    if (deleted.ok) {
      // A key that failed again meanwhile stays owed: that write may have come after this DEL.
      for (const [key, count] of owed) if (this.#owed.get(key) === count) this.#owed.delete(key);
    }
    return this.#owed.size === 0;
  }

  #keys(entry: CacheEntry) {
    const base =
      entry.kind === 'task' ? `${this.#prefix}task:${entry.id}:` : `${this.#prefix}list:`;
    return {
      epochKey: `${this.#prefix}epoch`,
      generationKey: `${base}generation`,
      prefix: base,
      suffix: entry.kind === 'list' ? `:${entry.query}` : '',
    };
  }

  #generationKey(entry: CacheEntry): string {
    return this.#keys(entry).generationKey;
  }

  #token(): string {
    this.#tokenCount += 1;
    return `${this.#tokenBase}${this.#tokenCount.toString(36)}`;
  }
}
