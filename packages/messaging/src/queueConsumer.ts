import type { ConsumerUtilisation, Logger } from '@taller/telemetry';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';

/** Handles one delivery and settles it (ack or nack) itself; never rejects. */
export type MessageHandler = (message: ConsumeMessage, channel: ConfirmChannel) => Promise<void>;

export interface QueueConsumerOptions {
  queue: string;
  prefetch: number;
  handler: MessageHandler;
  logger: Logger;
  utilisation: ConsumerUtilisation;
}

/**
 * A manual-ack consumer that survives reconnections (`attach` runs on every new channel) and
 * stops cleanly: `stop` cancels the subscription, waits for the messages already delivered to be
 * handled and settled, and only then lets the caller close the channel, so a clean shutdown
 * leaves nothing unacked for the broker to redeliver.
 */
export class QueueConsumer {
  readonly #options: QueueConsumerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #current: { channel: ConfirmChannel; consumerTag: string } | undefined;
  #stopping = false;

  constructor(options: QueueConsumerOptions) {
    this.#options = options;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async attach(channel: ConfirmChannel): Promise<void> {
    if (this.#stopping) return;
    const { queue, prefetch } = this.#options;
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(queue, (message) => {
      // null: the broker cancelled the subscription (queue deleted); reconnecting re-declares it.
      if (message === null) {
        this.#options.logger.warn({ queue }, 'the broker cancelled the consumer; reconnecting');
        void channel.close().catch(() => undefined);
      } else this.#dispatch(message, channel);
    });
    this.#current = { channel, consumerTag };
    if (this.#stopping) await this.#cancel();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#cancel();
    // Deliveries that raced the cancel are handled too; wait until nothing is left.
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #cancel(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    if (current) await current.channel.cancel(current.consumerTag).catch(() => undefined);
  }

  #dispatch(message: ConsumeMessage, channel: ConfirmChannel): void {
    const done = this.#options.utilisation.begin();
    const task = this.#options
      .handler(message, channel)
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error }, 'message handler failed; requeueing');
        settle(channel, message, 'requeue');
      })
      .finally(() => {
        done();
        this.#inFlight.delete(task);
      });
    this.#inFlight.add(task);
  }
}

/**
 * Acks (or nacks) a delivery; a no-op once its channel has closed, since the broker then
 * redelivers the message by itself.
 */
export function settle(
  channel: ConfirmChannel,
  message: ConsumeMessage,
  outcome: 'ack' | 'requeue' | 'reject',
): void {
  try {
    if (outcome === 'ack') channel.ack(message);
    else channel.nack(message, false, outcome === 'requeue');
  } catch {
    // IllegalOperationError: channel closed.
  }
}
