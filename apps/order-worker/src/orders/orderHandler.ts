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
import { orderCreatedV1 } from '../messages/orderCreated.js';
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
  /** Longest wait for the broker to confirm a result; past it the order is retried. */
  confirmTimeoutMs: number;
  logger: Logger;
  metrics: WorkerMetrics;
}

/** Header counting the retries a message has been through. */
export const RETRIES_HEADER = 'x-retries';
// When the broker refuses a retry or dead-letter copy (not a closed channel), wait before the
// message goes back to the queue, so a broken topology cannot turn into a hot loop.
const REQUEUE_DELAY_MS = 1000;

function retriesOf(message: ConsumeMessage): number {
  const value = Number(message.properties.headers?.[RETRIES_HEADER] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/**
 * Processes one order.created message. The result is published and confirmed BEFORE the input
 * is acked, so a crash at any point leaves the order in the queue (at least once) rather than
 * lost; processing is deterministic, so doing it twice publishes the same result. A transient
 * failure goes to the retry queue for its attempt (a confirmed copy, then ack) and, past the
 * last retry, to the dead-letter queue; a malformed message goes there at once.
 */
export function createOrderHandler(options: OrderHandlerOptions): MessageHandler {
  const { exchange, queue, retryDelaysMs, logger, metrics } = options;
  const dlq = deadLetterQueueOf(queue);

  const moveTo = async (
    channel: ConfirmChannel,
    message: ConsumeMessage,
    move: () => Promise<void>,
    what: string,
  ): Promise<boolean> => {
    try {
      await move();
      settle(channel, message, 'ack');
      return true;
    } catch (error) {
      if (isChannelClosed(error)) return false; // the broker redelivers the message
      logger.error(
        { err: error },
        `the broker refused the copy for the ${what}; requeueing after a pause`,
      );
      await sleep(REQUEUE_DELAY_MS);
      settle(channel, message, 'requeue');
      return false;
    }
  };

  const toDeadLetter = async (
    channel: ConfirmChannel,
    message: ConsumeMessage,
    reason: DeadLetterReason,
  ) => {
    if (
      await moveTo(
        channel,
        message,
        () => deadLetter(channel, dlq, message, reason),
        'dead-letter queue',
      )
    ) {
      metrics.deadLettered.inc({ reason: reason.code });
      logger.warn(
        { reason, messageId: message.properties.messageId as unknown },
        'message dead-lettered',
      );
    }
  };

  return async (message, channel) => {
    const stopTimer = metrics.duration.startTimer();
    const retries = retriesOf(message);
    const parsed = parseMessage(message.content, orderCreatedV1, 1);
    if (!parsed.ok) {
      await toDeadLetter(channel, message, { code: parsed.reason, detail: parsed.detail });
      stopTimer({ outcome: 'dead_lettered' });
      return;
    }
    const order = parsed.value;
    try {
      await fulfil(retries, options.fulfilment);
      const result = orderResult(order, options.creditLimitCents);
      await publishConfirmed(channel, exchange, result.type, Buffer.from(JSON.stringify(result)), {
        messageId: result.eventId,
        correlationId: order.orderId,
        type: result.type,
        contentType: 'application/json',
        appId: 'order-worker',
        timestamp: Math.floor(Date.now() / 1000),
        confirmTimeoutMs: options.confirmTimeoutMs,
      });
      settle(channel, message, 'ack');
      (result.type === 'order.processed' ? metrics.processed : metrics.failed).inc();
      stopTimer({ outcome: result.type === 'order.processed' ? 'processed' : 'failed' });
    } catch (error) {
      if (isChannelClosed(error)) {
        logger.info(
          { orderId: order.orderId },
          'channel closed before the result was confirmed; the broker redelivers the order',
        );
        stopTimer({ outcome: 'redelivered' });
        return;
      }
      if (error instanceof ConfirmTimeoutError) {
        // The broker is not confirming (an alarm, say), not the order failing: however long
        // that lasts, the order waits in the queue with its retries intact.
        logger.warn(
          { orderId: order.orderId, err: error },
          'the broker did not confirm the result in time; requeueing the order without spending a retry',
        );
        settle(channel, message, 'requeue');
        stopTimer({ outcome: 'requeued' });
        return;
      }
      const detail = (error as Error).message;
      if (retries >= retryDelaysMs.length) {
        await toDeadLetter(channel, message, {
          code: 'retries_exhausted',
          detail: `failed after ${retries} retries: ${detail}`,
        });
        stopTimer({ outcome: 'dead_lettered' });
        return;
      }
      const delay = retryDelaysMs[retries]!;
      const retried = await moveTo(
        channel,
        message,
        () =>
          republish(channel, retryQueueOf(queue, delay), message, {
            [RETRIES_HEADER]: retries + 1,
            'x-last-error': detail.slice(0, 1024),
          }),
        'retry queue',
      );
      if (retried) {
        metrics.retried.inc();
        logger.info(
          { orderId: order.orderId, retry: retries + 1, delayMs: delay, err: error },
          'order will be retried',
        );
      }
      stopTimer({ outcome: 'retried' });
    }
  };
}
