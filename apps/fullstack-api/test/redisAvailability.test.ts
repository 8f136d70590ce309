import { createLogger } from '@taller/telemetry';
import { redisUrl } from '@taller/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/redis/createRedis.js';
import { RedisAvailability } from '../src/redis/redisAvailability.js';

let client: ReturnType<typeof createRedis>;

beforeAll(async () => {
  client = createRedis({ REDIS_URL: await redisUrl(), REDIS_COMMAND_TIMEOUT_MS: 200 });
  await new Promise((resolve) => client.once('ready', resolve));
});

afterAll(() => client?.disconnect());

const failing = () => Promise.reject(new Error('Command timed out'));

describe('RedisAvailability', () => {
  it('shrugs off one failure but skips Redis after three in a row, then tries again', async () => {
    const availability = new RedisAvailability({
      client,
      cooldownMs: 200,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry: new Registry(),
    });
    expect(await availability.attempt('cache_read', failing)).toEqual({ ok: false });
    expect(await availability.attempt('cache_read', (redis) => redis.ping())).toEqual({
      ok: true,
      value: 'PONG',
    });
    await availability.attempt('cache_read', failing);
    await availability.attempt('cache_read', failing);
    expect(availability.available).toBe(true);
    await availability.attempt('cache_read', failing);
    expect(availability.available).toBe(false);

    let called = false;
    const skipped = await availability.attempt('cache_read', async () => {
      called = true;
      return 'never';
    });
    expect(skipped).toEqual({ ok: false });
    expect(called).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(availability.available).toBe(true);
    // After the cooldown one more failure is enough to skip Redis again.
    await availability.attempt('cache_read', failing);
    expect(availability.available).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await availability.attempt('cache_read', (redis) => redis.ping())).toMatchObject({
      ok: true,
    });
    await availability.attempt('cache_read', failing);
    expect(availability.available).toBe(true);
  });
});
