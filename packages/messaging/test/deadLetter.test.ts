// Dead-lettering and republishing against a real RabbitMQ: a byte-for-byte copy, confirmed.
import { deleteBrokerObjects, drainQueue, uniqueName, waitFor } from '@taller/testing';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetter, republish, UnroutableError } from '../src/index.js';
import { openPublisher } from './support.js';

const prefix = uniqueName('messaging_dead_letter');
const exchange = `${prefix}.events`;
const source = `${prefix}.work`;
const target = `${prefix}.work.dlq`;
let connection: ChannelModel;
let channel: ConfirmChannel;

beforeAll(async () => {
  ({ connection, channel } = await openPublisher(exchange));
  for (const queue of [source, target]) await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(source, exchange, 'order.#');
});

afterAll(async () => {
  await connection?.close();
  await deleteBrokerObjects(prefix);
});

/** Publishes to the source queue and takes the delivery, as a consumer would see it. */
async function delivery(content: Buffer, properties: Record<string, unknown>) {
  channel.publish(exchange, 'order.created', content, properties);
  await channel.waitForConfirms();
  const message = await waitFor('the delivery', () => channel.get(source, { noAck: true }));
  return message as unknown as ConsumeMessage;
}

describe('deadLetter', () => {
  it('copies the message byte for byte with its properties, adding the reason', async () => {
    const content = Buffer.from([0x7b, 0xff, 0x00, 0x7d]); // not even UTF-8
    const properties = {
      messageId: 'event-1',
      correlationId: 'order-1',
      contentType: 'application/json',
      type: 'order.created',
      appId: 'order-service',
      timestamp: 1_764_100_000,
    };
    const message = await delivery(content, { ...properties, headers: { 'x-trace': 'abc' } });
    const before = Date.now();
    await deadLetter(channel, target, message, { code: 'invalid_json', detail: 'x'.repeat(5000) });

    const [copy] = await drainQueue(target, 1);
    expect(copy!.content.equals(content)).toBe(true);
    expect(copy!.properties).toMatchObject({ deliveryMode: 2, ...properties });
    const headers = copy!.properties.headers!;
    expect(headers).toMatchObject({
      'x-trace': 'abc',
      'x-dead-letter-reason': 'invalid_json',
      'x-original-exchange': exchange,
      'x-original-routing-key': 'order.created',
    });
    expect(headers['x-dead-letter-detail']).toBe('x'.repeat(1024));
    expect(Date.parse(headers['x-dead-lettered-at'] as string)).toBeGreaterThanOrEqual(
      before - 1000,
    );
  });

  it('rejects when no queue takes the copy, so the caller keeps the original', async () => {
    const message = await delivery(Buffer.from('{}'), { messageId: 'event-2' });
    await expect(
      deadLetter(channel, `${prefix}.missing`, message, { code: 'invalid_schema', detail: '' }),
    ).rejects.toBeInstanceOf(UnroutableError);
  });
});

describe('republish', () => {
  it('adds headers to the copy and gives a message without an id a new one', async () => {
    const message = await delivery(Buffer.from('{"n":1}'), { headers: { 'x-retries': 1 } });
    await republish(channel, target, message, { 'x-retries': 2, 'x-last-error': 'timeout' });
    const [copy] = await drainQueue(target, 1);
    expect(copy!.content.toString()).toBe('{"n":1}');
    expect(copy!.properties.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(copy!.properties.headers).toMatchObject({ 'x-retries': 2, 'x-last-error': 'timeout' });
  });
});
