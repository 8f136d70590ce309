import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { publishConfirmed } from './publishConfirmed.js';

export interface DeadLetterReason {
  /** Machine-readable: `invalid_json`, `invalid_schema`, `unsupported_version`, `unknown_order`... */
  code: string;
  detail: string;
}

/**
 * Copies a message, byte for byte with its properties, to a dead-letter queue with the reason in
 * its headers, and resolves once the broker has confirmed the copy. Ack the original only then.
 */
export async function deadLetter(
  channel: ConfirmChannel,
  queue: string,
  message: ConsumeMessage,
  reason: DeadLetterReason,
): Promise<void> {
  const { properties, fields } = message;
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
    headers: {
      ...(properties.headers ?? {}),
      'x-dead-letter-reason': reason.code,
      'x-dead-letter-detail': reason.detail.slice(0, 1024),
      'x-original-exchange': fields.exchange,
      'x-original-routing-key': fields.routingKey,
      'x-dead-lettered-at': new Date().toISOString(),
    },
  });
}
