// QueueConsumer against a real RabbitMQ: manual acks within the prefetch, failed handlers
// requeued, and a stop that settles what was delivered and leaves the rest in the queue.
import { randomUUID } from 'node:crypto';
import { deleteBrokerObjects, uniqueName, waitFor } from '@taller/testing';
import { createConsumerMetrics, createMetrics } from '@taller/telemetry';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { QueueConsumer, settle, type MessageHandler } from '../src/index.js';
import { capturingLogger, openTestChannel } from './support.js';

const prefix = uniqueName('messaging_consumer');
const connections: ChannelModel[] = [];

afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));
  await deleteBrokerObjects(prefix);
});

async function channelWithQueue(): Promise<{ channel: ConfirmChannel; queue: string }> {
  const { connection, channel } = await openTestChannel();
  connections.push(connection);
  const queue = `${prefix}.${randomUUID()}`;
  await channel.assertQueue(queue, { durable: true });
  return { channel, queue };
}

async function send(channel: ConfirmChannel, queue: string, bodies: string[]): Promise<void> {
  for (const body of bodies)
    channel.sendToQueue(queue, Buffer.from(body), { persistent: true, messageId: randomUUID() });
  await channel.waitForConfirms();
}

async function depth(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
  const { connection, channel } = await openTestChannel();
  try {
    const { messageCount, consumerCount } = await channel.checkQueue(queue);
    return { messageCount, consumerCount };
  } finally {
    await connection.close();
  }
}

/** A handler that holds every delivery until `release` is called, then acks it. */
function gatedHandler() {
  const held: { message: ConsumeMessage; ack: () => void }[] = [];
  const acked: string[] = [];
  const handler: MessageHandler = (message, channel) =>
    new Promise<void>((resolve) => {
      held.push({
        message,
        ack: () => {
          settle(channel, message, 'ack');
          acked.push(message.content.toString());
          resolve();
        },
      });
    });
  const release = () => {
    for (const entry of held.splice(0)) entry.ack();
  };
  return { handler, held, acked, release };
}

function consumerFor(queue: string, prefetch: number, handler: MessageHandler) {
  const { logger, lines } = capturingLogger();
  const utilisation = createConsumerMetrics(createMetrics().registry).track(queue, prefetch);
  const consumer = new QueueConsumer({ queue, prefetch, handler, logger, utilisation });
  return { consumer, utilisation, lines };
}

describe('QueueConsumer', () => {
  it('holds at most `prefetch` deliveries at once, tracked as in flight until settled', async () => {
    const { channel, queue } = await channelWithQueue();
    const gate = gatedHandler();
    const { consumer, utilisation } = consumerFor(queue, 2, gate.handler);
    await consumer.attach(channel);
    await send(channel, queue, ['1', '2', '3', '4', '5']);

    await waitFor('two deliveries', () => gate.held.length === 2);
    expect(utilisation.inFlight).toBe(2);
    for (;;) {
      gate.release();
      if (gate.acked.length === 5) break;
      await waitFor('the next deliveries', () => gate.held.length > 0 || gate.acked.length === 5);
    }
    expect(gate.acked).toEqual(['1', '2', '3', '4', '5']);
    await waitFor('nothing in flight', () => utilisation.inFlight === 0);
    await consumer.stop();
    expect(await depth(queue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  it('requeues a delivery whose handler fails, and logs why', async () => {
    const { channel, queue } = await channelWithQueue();
    const seen: { body: string; redelivered: boolean }[] = [];
    const { consumer, lines } = consumerFor(queue, 1, async (message, ch) => {
      seen.push({ body: message.content.toString(), redelivered: message.fields.redelivered });
      if (!message.fields.redelivered) throw new Error('fulfilment is down');
      settle(ch, message, 'ack');
    });
    await consumer.attach(channel);
    await send(channel, queue, ['order']);
    await waitFor('the redelivery', () => seen.length === 2);
    expect(seen).toEqual([
      { body: 'order', redelivered: false },
      { body: 'order', redelivered: true },
    ]);
    expect(lines.find((line) => line.msg === 'message handler failed; requeueing')).toMatchObject({
      level: 'error',
      err: { message: 'fulfilment is down' },
    });
    await consumer.stop();
  });

  it('stops cleanly: cancels, settles what it holds, and leaves the rest in the queue', async () => {
    const { channel, queue } = await channelWithQueue();
    const gate = gatedHandler();
    const { consumer } = consumerFor(queue, 2, gate.handler);
    await consumer.attach(channel);
    await send(channel, queue, ['1', '2', '3', '4', '5', '6']);
    await waitFor('two deliveries', () => gate.held.length === 2);

    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    expect(consumer.stopping).toBe(true);
    await waitFor(
      'the subscription cancelled',
      async () => (await depth(queue)).consumerCount === 0,
    );
    expect(stopped).toBe(false); // still waiting for the two it holds
    gate.release();
    await stopping;
    expect(gate.acked).toEqual(['1', '2']);

    await channel.close(); // nothing unacked: nothing goes back to the queue
    expect(await depth(queue)).toEqual({ messageCount: 4, consumerCount: 0 });
    // A stopped consumer never subscribes again (a reconnection after stop attaches nothing).
    const fresh = await openTestChannel();
    connections.push(fresh.connection);
    await consumer.attach(fresh.channel);
    expect((await depth(queue)).consumerCount).toBe(0);
  });

  it('closes its channel when the broker cancels the subscription (the queue was deleted)', async () => {
    const { channel, queue } = await channelWithQueue();
    const { consumer } = consumerFor(queue, 1, async () => undefined);
    const closed = new Promise((resolve) => channel.once('close', resolve));
    await consumer.attach(channel);
    const { channel: admin } = await channelWithQueue();
    await admin.deleteQueue(queue);
    await closed; // so that recovery re-declares the queue and subscribes again
  });
});

describe('settle', () => {
  it('acks, requeues or rejects, and is a no-op once the channel has closed', async () => {
    const { channel, queue } = await channelWithQueue();
    await send(channel, queue, ['a', 'b']);
    const take = async () => {
      const message = await waitFor('a message', () => channel.get(queue));
      return message as unknown as ConsumeMessage;
    };
    settle(channel, await take(), 'requeue');
    const again = await take();
    expect(again.fields.redelivered).toBe(true);
    settle(channel, again, 'reject'); // dropped: the queue has no dead-letter exchange
    settle(channel, await take(), 'ack');
    const held = await waitFor('nothing left', async () => (await depth(queue)).messageCount === 0);
    expect(held).toBe(true);

    await send(channel, queue, ['c']);
    const last = await take();
    await channel.close();
    expect(() => settle(channel, last, 'ack')).not.toThrow();
    expect((await depth(queue)).messageCount).toBe(1); // the broker took it back
  });
});
