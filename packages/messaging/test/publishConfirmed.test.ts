// publishConfirmed against a real RabbitMQ: resolved only once a queue holds the message.
import { randomUUID } from 'node:crypto';
import { deleteBrokerObjects, drainQueue, uniqueName } from '@taller/testing';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isChannelClosed, publishConfirmed, trackReturns, UnroutableError } from '../src/index.js';
import { openPublisher, openTestChannel } from './support.js';

const prefix = uniqueName('messaging_publish');
const exchange = `${prefix}.events`;
const queue = `${prefix}.routed`;
let connection: ChannelModel;
let channel: ConfirmChannel;

beforeAll(async () => {
  ({ connection, channel } = await openPublisher(exchange));
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, 'routed');
});

afterAll(async () => {
  await connection?.close();
  await deleteBrokerObjects(prefix);
});

const publish = (routingKey: string, body: string, target = exchange) =>
  publishConfirmed(channel, target, routingKey, Buffer.from(body), {
    messageId: randomUUID(),
    contentType: 'text/plain',
  });

describe('publishConfirmed', () => {
  it('resolves once a queue holds the message, persistent, with its properties', async () => {
    await publishConfirmed(channel, exchange, 'routed', Buffer.from('hello'), {
      messageId: 'message-1',
      contentType: 'text/plain',
      correlationId: 'order-1',
    });
    const [message] = await drainQueue(queue, 1);
    expect(message!.content.toString()).toBe('hello');
    expect(message!.properties).toMatchObject({
      deliveryMode: 2,
      messageId: 'message-1',
      contentType: 'text/plain',
      correlationId: 'order-1',
    });
  });

  it('rejects a message no queue takes with UnroutableError, and only that one', async () => {
    const outcomes = await Promise.allSettled([
      publish('routed', 'a'),
      publish('nowhere', 'b'),
      publish('routed', 'c'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const error = (outcomes[1] as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(UnroutableError);
    expect(error.message).toBe(
      `no queue is bound to exchange "${exchange}" for routing key "nowhere"`,
    );
    expect(isChannelClosed(error)).toBe(false);
    expect((await drainQueue(queue, 2)).map((m) => m.content.toString())).toEqual(['a', 'c']);
  });

  it('rejects a message the broker refuses (a full queue that rejects publishes)', async () => {
    const full = `${prefix}.full`;
    await channel.assertQueue(full, {
      durable: true,
      arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
    });
    await publish(full, 'first', '');
    const refused = await publish(full, 'second', '').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(UnroutableError);
    expect(isChannelClosed(refused)).toBe(false);
  });

  it('rejects at once on a closed channel, which isChannelClosed recognises', async () => {
    const closed = await openTestChannel();
    trackReturns(closed.channel);
    await closed.channel.close();
    const error = await publishConfirmed(closed.channel, exchange, 'routed', Buffer.from('x'), {
      messageId: randomUUID(),
    }).catch((rejected: unknown) => rejected);
    expect(isChannelClosed(error)).toBe(true);
    await closed.connection.close();
  });
});
