import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp, { type ConsumeMessage, type GetMessage } from 'amqplib';
import { amqpUrl } from './services.js';
import { waitFor } from './waitFor.js';

const exec = promisify(execFile);

/** Runs `rabbitmqctl -q <args>` against the broker on this machine; resolves with its output. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  return (await exec('rabbitmqctl', ['-q', ...args], { timeout: 120_000 })).stdout.trim();
}

/**
 * Raises RabbitMQ's memory alarm (a high watermark of 0), which blocks every publishing
 * connection until the returned function restores the watermark it found.
 */
export async function blockPublishers(): Promise<() => Promise<void>> {
  const watermark = await rabbitmqctl('eval', 'vm_memory_monitor:get_vm_memory_high_watermark().');
  await rabbitmqctl('set_vm_memory_high_watermark', '0');
  return async () => {
    await rabbitmqctl('set_vm_memory_high_watermark', watermark);
  };
}

/**
 * Deletes every queue and exchange whose name starts with the prefix (what a test declared).
 * Lists them with `rabbitmqctl`, so it needs the broker on this machine.
 */
export async function deleteBrokerObjects(prefix: string): Promise<void> {
  const list = async (what: 'list_queues' | 'list_exchanges') =>
    (await exec('rabbitmqctl', ['-s', what, 'name'])).stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const connection = await amqp.connect(await amqpUrl());
  try {
    const channel = await connection.createChannel();
    for (const queue of await list('list_queues')) await channel.deleteQueue(queue);
    for (const exchange of await list('list_exchanges')) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/**
 * A queue of the test's own bound to a topic exchange, recording every message that reaches it:
 * how a test sees the real messages the apps publish.
 */
export async function tapExchange(exchange: string, routingKeys: string[]) {
  const connection = await amqp.connect(await amqpUrl());
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  for (const key of routingKeys) await channel.bindQueue(queue, exchange, key);
  const messages: ConsumeMessage[] = [];
  await channel.consume(queue, (message) => message && messages.push(message), { noAck: true });
  return {
    messages,
    bodies: () =>
      messages.map((message) => JSON.parse(message.content.toString()) as Record<string, unknown>),
    close: () => connection.close(),
  };
}

/** Every message now in a queue (taken off it and acked), once at least `count` are there. */
export async function drainQueue(
  queue: string,
  count: number,
  timeoutMs = 15_000,
): Promise<GetMessage[]> {
  const connection = await amqp.connect(await amqpUrl());
  try {
    const channel = await connection.createChannel();
    const messages: GetMessage[] = [];
    await waitFor(
      `${count} messages in ${queue}`,
      async () => {
        for (;;) {
          const message = await channel.get(queue, { noAck: true });
          if (message === false) break;
          messages.push(message);
        }
        return messages.length >= count;
      },
      { timeoutMs },
    );
    return messages;
  } finally {
    await connection.close();
  }
}
