import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { publishConfirmed } from './publishConfirmed.js';

export interface DeadLetterReason {
  /** Machine-readable: parseMessage's reasons (`invalid_json`...) or the app's own (`retries_exhausted`...). */
  code: string;
  detail: string;
}

/**
 * Copies a message, byte for byte with its properties and extra headers, straight to `queue`
 * (through the default exchange), and resolves once the broker has confirmed the copy. Settle
 * the original only then.
 */
export async function republish(
  channel: ConfirmChannel,
  queue: string,
  message: ConsumeMessage,
  headers: Record<string, unknown>,
): Promise<void> {
  const { properties } = message;
  const kept: Options.Publish = {};
  for (const key of [
    'contentType',
    'contentEncoding',
    'correlationId',
    'type',
    'appId',
    'timestamp',
  ] as const) {
    if (properties[key] !== undefined) kept[key] = properties[key] as never;
  }
  await publishConfirmed(channel, '', queue, message.content, {
    ...kept,
    messageId: typeof properties.messageId === 'string' ? properties.messageId : randomUUID(),
    headers: { ...(properties.headers ?? {}), ...headers },
  });
}

/** Moves a copy of a message to a dead-letter queue with the reason in its headers. */
export function deadLetter(
  channel: ConfirmChannel,
  queue: string,
  message: ConsumeMessage,
  reason: DeadLetterReason,
): Promise<void> {
  return republish(channel, queue, message, {
    'x-dead-letter-reason': reason.code,
    'x-dead-letter-detail': reason.detail.slice(0, 1024),
    'x-original-exchange': message.fields.exchange,
    'x-original-routing-key': message.fields.routingKey,
    'x-dead-lettered-at': new Date().toISOString(),
  });
}
