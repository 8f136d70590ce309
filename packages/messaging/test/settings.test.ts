import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { brokerName, brokerSettings } from '../src/index.js';

const schema = z.object({ ...brokerSettings(), EXCHANGE: brokerName('events') });

describe('broker settings', () => {
  it('default to a local RabbitMQ, a backoff from 200 ms to 3 s and a 10 s confirm wait', () => {
    expect(schema.parse({})).toEqual({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AMQP_RECONNECT_INITIAL_DELAY_MS: 200,
      AMQP_RECONNECT_MAX_DELAY_MS: 3000,
      AMQP_CONFIRM_TIMEOUT_MS: 10_000,
      EXCHANGE: 'events',
    });
  });

  it('accept amqps and plain names; reject other schemes, zero delays and odd names', () => {
    expect(
      schema.parse({ AMQP_URL: 'amqps://user:pw@broker:5671/vhost', EXCHANGE: 'orders.v1:eu-1' }),
    ).toMatchObject({ AMQP_URL: 'amqps://user:pw@broker:5671/vhost', EXCHANGE: 'orders.v1:eu-1' });
    const result = schema.safeParse({
      AMQP_URL: 'http://broker',
      AMQP_RECONNECT_INITIAL_DELAY_MS: '0',
      EXCHANGE: 'has spaces',
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'AMQP_RECONNECT_INITIAL_DELAY_MS',
      'AMQP_URL',
      'EXCHANGE',
    ]);
    expect(schema.safeParse({ EXCHANGE: 'x'.repeat(201) }).success).toBe(false);
  });
});
