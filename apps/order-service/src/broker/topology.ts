import type { Channel } from 'amqplib';
import { RESULT_ROUTING_KEYS } from '../messages/orderResult.js';

export interface ServiceTopology {
  /** Topic exchange for every order event, shared with order-worker. */
  exchange: string;
  /** Where this service receives result events. */
  resultsQueue: string;
  queueType: 'classic' | 'quorum';
}

/** The results queue's dead-letter queue: messages this service can never apply, with the reason. */
export const deadLetterQueueOf = (queue: string): string => `${queue}.dlq`;

/**
 * Declares what order-service publishes to and consumes from; safe to run on every start and
 * reconnection (declarations with the same arguments are no-ops). The queue that order.created
 * reaches belongs to order-worker: until a worker has declared it, the relay's mandatory
 * publishes come back unroutable and the outbox keeps the messages.
 */
export async function declareTopology(channel: Channel, topology: ServiceTopology): Promise<void> {
  const { exchange, resultsQueue, queueType } = topology;
  const dlq = deadLetterQueueOf(resultsQueue);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': queueType } });
  await channel.assertQueue(resultsQueue, {
    durable: true,
    arguments: {
      'x-queue-type': queueType,
      // Safety net: a message rejected without requeue still lands in the DLQ.
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': dlq,
    },
  });
  for (const key of RESULT_ROUTING_KEYS) await channel.bindQueue(resultsQueue, exchange, key);
}
