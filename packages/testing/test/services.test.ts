import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { amqpUrl, createTestDatabase, postgresUrl, redisUrl, uniqueName } from '../src/index.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('real services', () => {
  it('reaches PostgreSQL', async () => {
    const [row] = await query<{ answer: number }>(await postgresUrl(), 'SELECT 6 * 7 AS answer');
    expect(row?.answer).toBe(42);
  });

  it('reaches Redis', async () => {
    const redis = new Redis(await redisUrl());
    try {
      const key = uniqueName('testing');
      await redis.set(key, 'value', 'EX', 10);
      expect(await redis.get(key)).toBe('value');
    } finally {
      redis.disconnect();
    }
  });

  it('reaches RabbitMQ: a message published to a queue of this run comes back', async () => {
    const connection = await connect(await amqpUrl());
    try {
      const channel = await connection.createChannel();
      const queue = uniqueName('testing');
      await channel.assertQueue(queue, { exclusive: true });
      channel.sendToQueue(queue, Buffer.from('hello'));
      let message: Awaited<ReturnType<typeof channel.get>> = false;
      for (let i = 0; i < 50 && !message; i += 1) {
        message = await channel.get(queue, { noAck: true });
        if (!message) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(message && message.content.toString()).toBe('hello');
    } finally {
      await connection.close();
    }
  });
});

describe('createTestDatabase', () => {
  const databases: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('gives each caller an isolated database and drops it', async () => {
    const first = await createTestDatabase('isolation');
    const second = await createTestDatabase('isolation');
    databases.push(first, second);
    expect(first.name).not.toBe(second.name);

    await query(
      first.url,
      'CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$only in first$$)',
    );
    expect(await query(first.url, 'SELECT body FROM notes')).toEqual([{ body: 'only in first' }]);
    const inSecond = await query<{ found: string | null }>(
      second.url,
      "SELECT to_regclass('notes')::text AS found",
    );
    expect(inSecond).toEqual([{ found: null }]);

    await first.drop();
    const remaining = await query<{ datname: string }>(
      await postgresUrl(),
      `SELECT datname FROM pg_database WHERE datname IN ('${first.name}', '${second.name}')`,
    );
    expect(remaining.map((row) => row.datname)).toEqual([second.name]);
  });
});

describe('without a URL', () => {
  it('starts a container, or fails saying which variable to set', async () => {
    const saved = process.env.TEST_REDIS_URL;
    delete process.env.TEST_REDIS_URL;
    try {
      const outcome = await redisUrl().then(
        (url) => ({ url }),
        (error: Error) => ({ error }),
      );
      if ('error' in outcome) {
        expect(outcome.error.message).toMatch(/TEST_REDIS_URL=redis:\/\/127\.0\.0\.1:6379/);
        expect(outcome.error.message).toMatch(/start Docker/);
      } else {
        const redis = new Redis(outcome.url);
        expect(await redis.ping()).toBe('PONG');
        redis.disconnect();
      }
    } finally {
      process.env.TEST_REDIS_URL = saved;
    }
  });
});
