import { setTimeout as sleep } from 'node:timers/promises';
import {
  deadLetter,
  isChannelClosed,
  parseMessage,
  settle,
  type DeadLetterReason,
  type MessageHandler,
} from '@taller/messaging';
import { databaseError, isDatabaseUnavailable } from '@taller/postgres';
import type { Logger } from '@taller/telemetry';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { WriteQueueFullError } from '../db/writeBatcher.js';
import { orderResultV1, type OrderResultV1 } from '../messages/orderResult.js';
import type { ServiceMetrics } from '../metrics.js';
import type { FinalStatus, OrderRepository } from '../orders/orderRepository.js';

export interface ResultHandlerOptions {
  orders: OrderRepository;
  deadLetterQueue: string;
  logger: Logger;
  metrics: Pick<
    ServiceMetrics,
    'results' | 'ordersProcessed' | 'ordersFailed' | 'deadLettered' | 'endToEnd'
  >;
  /** True once shutdown began: a message waiting for the database goes back to the queue. */
  stopping: () => boolean;
}

// Backoff while the database is unavailable.
const RETRY_DELAY_MS = { initial: 100, max: 5000 };

function finalState(event: OrderResultV1): {
  status: FinalStatus;
  result: Record<string, unknown>;
} {
  return event.type === 'order.processed'
    ? { status: 'processed', result: { totals: event.totals, itemCount: event.itemCount } }
    : { status: 'failed', result: { reason: event.reason } };
}

/**
 * Applies order.processed / order.failed events to the orders they name. Idempotent: a
 * repeated event changes nothing, and a final status never changes (see applyResult). A message
 * that can never be applied (malformed, or for an order this service does not have) goes to the
 * dead-letter queue with the reason instead of being dropped or redelivered forever; while the
 * database is unavailable the message waits, unacked, and is retried with backoff.
 */
export function createResultHandler(options: ResultHandlerOptions): MessageHandler {
  const { orders, logger, metrics, stopping } = options;

  const toDeadLetter = async (
    message: ConsumeMessage,
    channel: ConfirmChannel,
    reason: DeadLetterReason,
  ) => {
    try {
      await deadLetter(channel, options.deadLetterQueue, message, reason);
      metrics.deadLettered.inc({ reason: reason.code });
      logger.warn(
        { reason, messageId: message.properties.messageId as unknown },
        'result message dead-lettered',
      );
      settle(channel, message, 'ack');
    } catch (error) {
      if (isChannelClosed(error)) return; // the broker redelivers the message
      // Refused by the broker: the queue's own dead-letter exchange still keeps the message.
      logger.error({ err: error, reason }, 'could not publish to the dead-letter queue; rejecting');
      settle(channel, message, 'reject');
    }
  };

  return async (message, channel) => {
    const parsed = parseMessage(message.content, orderResultV1, 1);
    if (!parsed.ok)
      return toDeadLetter(message, channel, { code: parsed.reason, detail: parsed.detail });
    const event = parsed.value;
    const { status, result } = finalState(event);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { outcome, createdAt } = await orders.applyResult({
          id: event.orderId,
          status,
          result,
          processedAt: new Date(event.occurredAt),
        });
        metrics.results.inc({ outcome });
        if (outcome === 'unknown_order') {
          return await toDeadLetter(message, channel, {
            code: 'unknown_order',
            detail: `no order ${event.orderId}`,
          });
        }
        if (outcome === 'applied') {
          (status === 'processed' ? metrics.ordersProcessed : metrics.ordersFailed).inc();
          if (createdAt) metrics.endToEnd.observe((Date.now() - createdAt.getTime()) / 1000);
        }
        if (outcome === 'conflict') {
          logger.error(
            { orderId: event.orderId, eventId: event.eventId, status },
            'a result event disagrees with the final result already stored; kept the stored one',
          );
        }
        settle(channel, message, 'ack');
        return;
      } catch (error) {
        // Not now (an outage, or the write queue full): later; anything else will never apply.
        if (!isDatabaseUnavailable(error) && !(error instanceof WriteQueueFullError)) {
          return await toDeadLetter(message, channel, {
            code: 'apply_failed',
            detail: (error as Error).message,
          });
        }
        if (stopping()) {
          settle(channel, message, 'requeue');
          return;
        }
        const delay = Math.min(RETRY_DELAY_MS.max, RETRY_DELAY_MS.initial * 2 ** (attempt - 1));
        logger.warn(
          { err: databaseError(error), orderId: event.orderId, retryInMs: delay },
          'database unavailable or busy; retrying the result',
        );
        await sleep(delay);
      }
    }
  };
}
