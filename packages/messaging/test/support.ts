import { createLogger, type Logger } from '@taller/telemetry';
import { amqpUrl, captureLines } from '@taller/testing';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { trackReturns } from '../src/index.js';

/** A logger whose JSON lines the test reads back. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const { destination, lines } = captureLines();
  return { logger: createLogger({ name: 'messaging-test', level: 'debug', destination }), lines };
}

/** A plain connection of the test's own, with a confirm channel that may fail on purpose. */
export async function openTestChannel(): Promise<{
  connection: ChannelModel;
  channel: ConfirmChannel;
}> {
  const connection = await amqp.connect(await amqpUrl());
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined); // channel errors a test provokes reject its call
  return { connection, channel };
}

/** A test channel ready for publishConfirmed (returns tracked), and a topic exchange to publish to. */
export async function openPublisher(exchange: string): Promise<{
  connection: ChannelModel;
  channel: ConfirmChannel;
}> {
  const opened = await openTestChannel();
  trackReturns(opened.channel);
  await opened.channel.assertExchange(exchange, 'topic', { durable: true });
  return opened;
}
