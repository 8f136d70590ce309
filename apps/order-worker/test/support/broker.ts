import { randomUUID } from 'node:crypto';
import { amqpUrl, uniqueName } from '@taller/testing';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';

/** Exchange and queue names unique to this test run, so runs never see each other's messages. */
export function brokerNames() {
  const prefix = uniqueName('workertest');
  return { prefix, exchange: `${prefix}.orders`, queue: `${prefix}.worker-orders` };
}

/** A confirm channel of the test's own, publishing what a producer of order.created would. */
export async function testPublisher(exchange: string) {
  const connection: ChannelModel = await amqp.connect(await amqpUrl());
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  return {
    async publish(body: unknown, routingKey = 'order.created') {
      const content = Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      channel.publish(exchange, routingKey, content, { persistent: true, messageId: randomUUID() });
      await channel.waitForConfirms();
    },
    close: () => connection.close(),
  };
}
