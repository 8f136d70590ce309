import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfirmTimeoutError,
  deadLetter,
  isChannelClosed,
  parseMessage,
  publishConfirmed,
  republish,
  settle,
  type DeadLetterReason,
  type MessageHandler,
} from '@taller/messaging';
import type { Logger } from '@taller/telemetry';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { deadLetterQueueOf, retryQueueOf } from '../broker/topology.js';
import { orderCreatedV1, type OrderCreatedV1 } from '../messages/orderCreated.js';
import type { WorkerMetrics } from '../metrics.js';
import { fulfil, type FulfilmentOptions } from './fulfilment.js';
import { orderResult } from './orderResult.js';

export interface OrderHandlerOptions {
  exchange: string;
  queue: string;
  /** retryDelaysMs.length is the number of retries before the dead-letter queue. */
  retryDelaysMs: number[];
  fulfilment: FulfilmentOptions;
  creditLimitCents: number;
  /** Longest wait for the broker to confirm a result; past it the order goes back to the queue. */
  confirmTimeoutMs: number;
  logger: Logger;
  metrics: WorkerMetrics;
}

/** Header counting the retries a message has been through. */
export const RETRIES_HEADER = 'x-retries';
// When the broker refuses a retry or dead-letter copy (not a closed channel), wait before the
// message goes back to the queue, so a broken topology cannot turn into a hot loop.
const REQUEUE_DELAY_MS = 1000;

/** How a delivery ended, the `outcome` label of the processing duration. */
type Outcome = 'processed' | 'failed' | 'retried' | 'dead_lettered' | 'redelivered' | 'requeued';

/** One delivery and the retries it has already been through. */
interface Delivery {
  message: ConsumeMessage;
  channel: ConfirmChannel;
  retries: number;
}

function retriesOf(message: ConsumeMessage): number {
  const value = Number(message.properties.headers?.[RETRIES_HEADER] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/**
 * Processes one order.created message. The result is published and confirmed BEFORE the input
 * is acked, so a crash at any point leaves the order in the queue (at least once) rather than
 * lost; processing is deterministic, so doing it twice publishes the same result. A transient
 * failure goes to the retry queue for its attempt (a confirmed copy, then ack) and, past the
 * last retry, to the dead-letter queue; a malformed message goes there at once. A broker that
 * does not confirm the result is no failure of the order: it goes back to the queue as it is.
 */
export function createOrderHandler(options: OrderHandlerOptions): MessageHandler {
  return async (message, channel) => {
    const stopTimer = options.metrics.duration.startTimer();
    const outcome = await handleOrder(options, { message, channel, retries: retriesOf(message) });
    stopTimer({ outcome });
  };
}

async function handleOrder(options: OrderHandlerOptions, delivery: Delivery): Promise<Outcome> {
  const parsed = parseMessage(delivery.message.content, orderCreatedV1, 1);
  if (!parsed.ok)
    return deadLetterOrder(options, delivery, { code: parsed.reason, detail: parsed.detail });
  try {
    await fulfil(delivery.retries, options.fulfilment);
    return await publishResult(options, delivery, parsed.value);
  } catch (error) {
    return failedAttempt(options, delivery, parsed.value, error);
  }
}

/** Publishes the order's result, waits for the broker's confirm, then acks the order. */
async function publishResult(
  { exchange, creditLimitCents, confirmTimeoutMs, metrics }: OrderHandlerOptions,
  { message, channel }: Delivery,
  order: OrderCreatedV1,
): Promise<Outcome> {
  const result = orderResult(order, creditLimitCents);
  await publishConfirmed(channel, exchange, result.type, Buffer.from(JSON.stringify(result)), {
    messageId: result.eventId,
    correlationId: order.orderId,
    type: result.type,
    contentType: 'application/json',
    appId: 'order-worker',
    timestamp: Math.floor(Date.now() / 1000),
    confirmTimeoutMs,
  });
  settle(channel, message, 'ack');
  if (result.type === 'order.processed') {
    metrics.processed.inc();
    return 'processed';
  }
  metrics.failed.inc();
  return 'failed';
}

/** Fulfilment or the result's publish failed: decides what becomes of the order. */
async function failedAttempt(
  options: OrderHandlerOptions,
  delivery: Delivery,
  order: OrderCreatedV1,
  error: unknown,
): Promise<Outcome> {
  if (isChannelClosed(error)) {
    options.logger.info(
      { orderId: order.orderId },
      'channel closed before the result was confirmed; the broker redelivers the order',
    );
    return 'redelivered';
  }
  if (error instanceof ConfirmTimeoutError) return requeueOrder(options, delivery, order, error);
  const detail = (error as Error).message;
  if (delivery.retries >= options.retryDelaysMs.length) {
    return deadLetterOrder(options, delivery, {
      code: 'retries_exhausted',
      detail: `failed after ${delivery.retries} retries: ${detail}`,
    });
  }
  return retryOrder(options, delivery, order, error as Error);
}

/**
 * The broker did not confirm the result (an alarm, say): not the order failing. However long
 * that lasts, the order waits in the queue with its retries intact.
 */
function requeueOrder(
  { logger }: OrderHandlerOptions,
  { message, channel }: Delivery,
  order: OrderCreatedV1,
  error: ConfirmTimeoutError,
): Outcome {
  logger.warn(
    { orderId: order.orderId, err: error },
    'the broker did not confirm the result in time; requeueing the order without spending a retry',
  );
  settle(channel, message, 'requeue');
  return 'requeued';
}

/** Sends a copy to the retry queue of this attempt's delay, then acks the original. */
async function retryOrder(
  options: OrderHandlerOptions,
  delivery: Delivery,
  order: OrderCreatedV1,
  error: Error,
): Promise<Outcome> {
  const { message, channel, retries } = delivery;
  const delay = options.retryDelaysMs[retries]!;
  const retried = await moveThenAck(options, delivery, 'retry queue', () =>
    republish(channel, retryQueueOf(options.queue, delay), message, {
      [RETRIES_HEADER]: retries + 1,
      'x-last-error': error.message.slice(0, 1024),
    }),
  );
  if (retried) {
    options.metrics.retried.inc();
    options.logger.info(
      { orderId: order.orderId, retry: retries + 1, delayMs: delay, err: error },
      'order will be retried',
    );
  }
  return 'retried';
}

/** Sends a copy with the reason to the dead-letter queue, then acks the original. */
async function deadLetterOrder(
  options: OrderHandlerOptions,
  delivery: Delivery,
  reason: DeadLetterReason,
): Promise<Outcome> {
  const { message, channel } = delivery;
  const moved = await moveThenAck(options, delivery, 'dead-letter queue', () =>
    deadLetter(channel, deadLetterQueueOf(options.queue), message, reason),
  );
  if (moved) {
    options.metrics.deadLettered.inc({ reason: reason.code });
    options.logger.warn(
      { reason, messageId: message.properties.messageId as unknown },
      'message dead-lettered',
    );
  }
  return 'dead_lettered';
}

/**
 * Acks the message once `move` (a confirmed copy elsewhere) succeeded; true if it did. A closed
 * channel leaves it to the broker's redelivery; a refused copy requeues it after a pause.
 */
async function moveThenAck(
  { logger }: OrderHandlerOptions,
  { message, channel }: Delivery,
  destination: string,
  move: () => Promise<void>,
): Promise<boolean> {
  try {
    await move();
    settle(channel, message, 'ack');
    return true;
  } catch (error) {
    if (isChannelClosed(error)) return false;
    logger.error(
      { err: error },
      `the broker refused the copy for the ${destination}; requeueing after a pause`,
    );
    await sleep(REQUEUE_DELAY_MS);
    settle(channel, message, 'requeue');
    return false;
  }
}
