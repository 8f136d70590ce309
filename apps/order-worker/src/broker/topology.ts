import type { Channel } from 'amqplib';
import { ORDER_CREATED } from '../messages/orderCreated.js';

export interface WorkerTopology {
  /** Topic exchange for every order event, shared with order-service. */
  exchange: string;
  /** The work queue, shared by every worker replica. */
  queue: string;
  queueType: 'classic' | 'quorum';
  /** One retry queue per delay; retry n waits retryDelaysMs[n - 1]. */
  retryDelaysMs: number[];
}

export const deadLetterQueueOf = (queue: string): string => `${queue}.dlq`;
export const deadLetterExchangeOf = (queue: string): string => `${queue}.dlx`;
/** Named by delay, so changing the backoff declares new queues instead of conflicting. */
export const retryQueueOf = (queue: string, delayMs: number): string =>
  `${queue}.retry.${delayMs}ms`;

/** Exponential backoff: base, 2 x base, 4 x base... one delay per allowed retry. */
export function retryDelays(maxRetries: number, baseDelayMs: number): number[] {
  return Array.from({ length: maxRetries }, (_, i) => baseDelayMs * 2 ** i);
}

/**
 * Declares the worker's part of the topology; safe on every start and reconnection.
 *
 *   exchange (topic) --order.created--> queue --(worker)--> results to exchange
 *   queue --(transient failure: worker publishes a copy)--> queue.retry.<d>ms (TTL d)
 *   queue.retry.<d>ms --(expired, dead-lettered via queue.dlx, key = queue)--> queue
 *   queue --(malformed / retries exhausted: worker publishes a copy with the reason)--> queue.dlq
 *   queue --(rejected by the broker's own rules, safety net, via queue.dlx)--> queue.dlq
 *
 * Every retry queue holds messages with one TTL, so expiry at the head is never blocked by a
 * longer-lived message behind it.
 */
export async function declareTopology(channel: Channel, topology: WorkerTopology): Promise<void> {
  const { exchange, queue, queueType, retryDelaysMs } = topology;
  const dlx = deadLetterExchangeOf(queue);
  const dlq = deadLetterQueueOf(queue);
  const type = { 'x-queue-type': queueType };
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertExchange(dlx, 'direct', { durable: true });
  await channel.assertQueue(dlq, { durable: true, arguments: type });
  await channel.bindQueue(dlq, dlx, dlq);
  await channel.assertQueue(queue, {
    durable: true,
    arguments: { ...type, 'x-dead-letter-exchange': dlx, 'x-dead-letter-routing-key': dlq },
  });
  await channel.bindQueue(queue, exchange, ORDER_CREATED);
  await channel.bindQueue(queue, dlx, queue);
  for (const delay of retryDelaysMs) {
    await channel.assertQueue(retryQueueOf(queue, delay), {
      durable: true,
      arguments: {
        ...type,
        'x-message-ttl': delay,
        'x-dead-letter-exchange': dlx,
        'x-dead-letter-routing-key': queue,
      },
    });
  }
}
