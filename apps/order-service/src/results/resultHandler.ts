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
import { OverloadedError, type Logger } from '@taller/telemetry';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
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
  return async (message, channel) => {
    const parsed = parseMessage(message.content, orderResultV1, 1);
    if (!parsed.ok)
      return deadLetterResult(options, message, channel, {
        code: parsed.reason,
        detail: parsed.detail,
      });
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await applyEvent(options, message, channel, parsed.value);
      } catch (error) {
        if (!(await waitForDatabase(options, message, channel, parsed.value, error, attempt)))
          return;
      }
    }
  };
}

/** Stores the event's result, counts the outcome, and settles the message accordingly. */
async function applyEvent(
  options: ResultHandlerOptions,
  message: ConsumeMessage,
  channel: ConfirmChannel,
  event: OrderResultV1,
): Promise<void> {
  const { orders, logger, metrics } = options;
  const { status, result } = finalState(event);
  const { outcome, createdAt } = await orders.applyResult({
    id: event.orderId,
    status,
    result,
    processedAt: new Date(event.occurredAt),
  });
  metrics.results.inc({ outcome });
  switch (outcome) {
    case 'unknown_order':
      return deadLetterResult(options, message, channel, {
        code: 'unknown_order',
        detail: `no order ${event.orderId}`,
      });
    case 'applied':
      (status === 'processed' ? metrics.ordersProcessed : metrics.ordersFailed).inc();
      if (createdAt) metrics.endToEnd.observe((Date.now() - createdAt.getTime()) / 1000);
      break;
    case 'conflict':
      logger.error(
        { orderId: event.orderId, eventId: event.eventId, status },
        'a result event disagrees with the final result already stored; kept the stored one',
      );
      break;
  }
  settle(channel, message, 'ack');
}

/**
 * After a failed apply: true to try again after a backoff (the database is unavailable or its
 * write queue full); false once the message is settled (dead-lettered if it can never apply,
 * requeued if shutdown began).
 */
async function waitForDatabase(
  options: ResultHandlerOptions,
  message: ConsumeMessage,
  channel: ConfirmChannel,
  event: OrderResultV1,
  error: unknown,
  attempt: number,
): Promise<boolean> {
  if (!isDatabaseUnavailable(error) && !(error instanceof OverloadedError)) {
    await deadLetterResult(options, message, channel, {
      code: 'apply_failed',
      detail: (error as Error).message,
    });
    return false;
  }
  if (options.stopping()) {
    settle(channel, message, 'requeue');
    return false;
  }
  const delay = Math.min(RETRY_DELAY_MS.max, RETRY_DELAY_MS.initial * 2 ** (attempt - 1));
  options.logger.warn(
    { err: databaseError(error), orderId: event.orderId, retryInMs: delay },
    'database unavailable or busy; retrying the result',
  );
  await sleep(delay);
  return true;
}

/** Moves the message to the dead-letter queue with the reason, then acks it. */
async function deadLetterResult(
  { deadLetterQueue, logger, metrics }: ResultHandlerOptions,
  message: ConsumeMessage,
  channel: ConfirmChannel,
  reason: DeadLetterReason,
): Promise<void> {
  try {
    await deadLetter(channel, deadLetterQueue, message, reason);
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
}
