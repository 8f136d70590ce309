import { IllegalOperationError, type ConfirmChannel, type Options } from 'amqplib';

/** The broker accepted the message but no queue was bound to take it (`mandatory` publish). */
export class UnroutableError extends Error {
  constructor(exchange: string, routingKey: string) {
    super(`no queue is bound to exchange "${exchange}" for routing key "${routingKey}"`);
    this.name = 'UnroutableError';
  }
}

/**
 * The broker did not confirm in time (blocked by a memory or disk alarm, say). It may still take
 * the message later: the caller keeps it and publishes it again, which consumers absorb.
 */
export class ConfirmTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the broker did not confirm the message within ${timeoutMs} ms`);
    this.name = 'ConfirmTimeoutError';
  }
}

/** How long `publishConfirmed` waits for the broker's confirm unless told otherwise. */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 10_000;

// Message ids the broker returned as unroutable, per channel. RabbitMQ sends basic.return before
// the confirm of the same message, so the confirm callback can tell "queued" from "dropped".
const returnedIds = new WeakMap<ConfirmChannel, Set<string>>();

/** Call once per channel, before publishing on it with `publishConfirmed`. */
export function trackReturns(channel: ConfirmChannel): void {
  const returned = new Set<string>();
  returnedIds.set(channel, returned);
  channel.on('return', (message: { properties: { messageId?: unknown } }) => {
    if (typeof message.properties.messageId === 'string')
      returned.add(message.properties.messageId);
  });
}

/**
 * Publishes a persistent, mandatory message and resolves once the broker has confirmed that a
 * queue holds it. Rejects when the broker nacks it, returns it as unroutable, does not confirm
 * within `confirmTimeoutMs`, or the channel closes first: the caller still owns the message and
 * must keep it for another attempt.
 */
export function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish & { messageId: string; confirmTimeoutMs?: number },
): Promise<void> {
  const { confirmTimeoutMs = DEFAULT_CONFIRM_TIMEOUT_MS, ...publishOptions } = options;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ConfirmTimeoutError(confirmTimeoutMs)),
      confirmTimeoutMs,
    );
    const onConfirm = (error: unknown) => {
      clearTimeout(timer);
      const returned = returnedIds.get(channel)?.delete(options.messageId) ?? false;
      if (error)
        reject(
          error instanceof Error ? error : new Error('the broker did not confirm the message'),
        );
      else if (returned) reject(new UnroutableError(exchange, routingKey));
      else resolve();
    };
    try {
      // The return value only reports a full write buffer; the message is queued either way and
      // callers bound how much they publish before awaiting confirms.
      channel.publish(
        exchange,
        routingKey,
        content,
        { persistent: true, mandatory: true, ...publishOptions },
        onConfirm,
      );
    } catch (error) {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error))); // the channel is closed
    }
  });
}

/**
 * True when a publish failed because its channel (or connection) closed: the broker then
 * redelivers whatever that channel had not acked, so there is nothing else to do.
 */
export function isChannelClosed(error: unknown): boolean {
  return (
    error instanceof IllegalOperationError ||
    (error instanceof Error && /channel closed/i.test(error.message))
  );
}
