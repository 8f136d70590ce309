// The broker helpers against a real RabbitMQ.
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { amqpUrl, deleteBrokerObjects, drainQueue, tapExchange, uniqueName } from '../src/index.js';

const prefix = uniqueName('testingbroker');

afterAll(async () => {
  await deleteBrokerObjects(prefix);
});

async function withChannel<T>(run: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(await amqpUrl());
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // a failed check closes the channel; the check rejects
    return await run(channel);
  } finally {
    await connection.close();
  }
}

describe('broker helpers', () => {
  it('tapExchange records what reaches the exchange for its routing keys only', async () => {
    const exchange = `${prefix}.events`;
    const tap = await tapExchange(exchange, ['order.*']);
    try {
      await withChannel(async (channel) => {
        channel.publish(exchange, 'order.created', Buffer.from('{"n":1}'));
        channel.publish(exchange, 'invoice.created', Buffer.from('{"n":2}'));
        channel.publish(exchange, 'order.failed', Buffer.from('{"n":3}'));
        await channel.waitForConfirms();
      });
      await expect.poll(() => tap.bodies(), { timeout: 10_000 }).toEqual([{ n: 1 }, { n: 3 }]);
      expect(tap.messages.map((message) => message.fields.routingKey)).toEqual([
        'order.created',
        'order.failed',
      ]);
    } finally {
      await tap.close();
    }
  });

  it('drainQueue takes every message once enough are there, and fails naming the queue', async () => {
    const queue = `${prefix}.work`;
    await withChannel(async (channel) => {
      await channel.assertQueue(queue, { durable: true });
      for (const n of [1, 2, 3]) channel.sendToQueue(queue, Buffer.from(String(n)));
      await channel.waitForConfirms();
    });
    const messages = await drainQueue(queue, 2);
    expect(messages.map((message) => message.content.toString())).toEqual(['1', '2', '3']);
    await expect(drainQueue(queue, 1, 300)).rejects.toThrow(`1 messages in ${queue}`);
  });

  it("deleteBrokerObjects removes the prefix's queues and exchanges, and nothing else", async () => {
    const own = uniqueName('testingbroker_other');
    await withChannel(async (channel) => {
      await channel.assertExchange(`${prefix}.doomed`, 'topic', { durable: true });
      await channel.assertQueue(`${prefix}.doomed`, { durable: true });
      await channel.assertQueue(own, { durable: true });
    });
    await deleteBrokerObjects(prefix);
    const exists = (check: (channel: amqp.ConfirmChannel) => Promise<unknown>) =>
      withChannel(check).then(
        () => true,
        () => false,
      );
    expect(await exists((channel) => channel.checkQueue(`${prefix}.doomed`))).toBe(false);
    expect(await exists((channel) => channel.checkExchange(`${prefix}.doomed`))).toBe(false);
    expect(await exists((channel) => channel.checkQueue(own))).toBe(true);
    await deleteBrokerObjects(own);
  });
});
