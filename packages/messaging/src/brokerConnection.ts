import type { Logger } from '@taller/telemetry';
import amqp, { type ChannelModel, type ConfirmChannel, type RecoveringChannelModel } from 'amqplib';
import { trackReturns } from './publishConfirmed.js';

export interface BrokerSession {
  /** A confirm channel for publishing with `publishConfirmed`; also fit for declaring topology. */
  publisher: ConfirmChannel;
  /** Opens another confirm channel on this connection (for a consumer), ready for `publishConfirmed`. */
  openChannel: () => Promise<ConfirmChannel>;
}

export interface BrokerOptions {
  url: string;
  /** Shown as the connection name in the RabbitMQ management UI. */
  name: string;
  logger: Logger;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Runs on every (re)connection: declare the topology, attach consumers. */
  setup: (session: BrokerSession) => Promise<void>;
}

/**
 * One RabbitMQ connection that reconnects with exponential backoff and jitter (amqplib's own
 * recovery) and re-runs `setup` each time. A channel that closes unexpectedly (a protocol error)
 * closes its connection, so recovery rebuilds every channel and consumer from a clean state.
 */
export class BrokerConnection {
  #connected = false;
  #closing = false;
  readonly #channels = new Set<ConfirmChannel>();
  #publisher: ConfirmChannel | undefined;
  #connection: RecoveringChannelModel | undefined;
  // Why this side closed the connection (a channel failed), for the loss's log line: amqplib
  // then reports only a clean close.
  #closedBecause: Error | undefined;

  private constructor(private readonly logger: Logger) {}

  /** Returns at once; the first connection and every later one happen in the background. */
  static async open(options: BrokerOptions): Promise<BrokerConnection> {
    const broker = new BrokerConnection(options.logger);
    broker.#connection = await amqp.connect(options.url, {
      clientProperties: { connection_name: options.name },
      // Without TCP_NODELAY, a small frame (an ack, a confirm-awaited publish) can sit in the
      // socket until the peer's delayed ACK: about 40 ms on Linux, on every hop of the pipeline.
      noDelay: true,
      recovery: {
        initialDelay: options.initialDelayMs,
        maxDelay: options.maxDelayMs,
        maxRetries: Infinity,
        waitForConnect: false,
        setup: (model: ChannelModel) => broker.#setup(model, options.setup),
      },
    });
    broker.#watch(broker.#connection);
    return broker;
  }

  /** True while connected with every channel and consumer set up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The current publisher channel, or undefined while disconnected. */
  get publisher(): ConfirmChannel | undefined {
    return this.#connected ? this.#publisher : undefined;
  }

  /** Resolves once connected (for tests and tools that need the broker before going on). */
  async waitForConnect(): Promise<void> {
    await this.#connection?.waitForConnect();
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#connected = false;
    // Channels first: closing one waits for the broker to process everything sent on it (acks
    // included), whereas frames of different channels may leave the socket in any order.
    await Promise.all([...this.#channels].map((channel) => channel.close().catch(() => undefined)));
    await this.#connection?.close();
  }

  async #setup(model: ChannelModel, setup: BrokerOptions['setup']): Promise<void> {
    // Until recovery binds its own listeners, an 'error' without a listener would crash the process.
    model.on('error', (error: Error) =>
      this.logger.warn({ err: error }, 'broker connection error'),
    );
    const openChannel = async () => {
      const channel = await model.createConfirmChannel();
      trackReturns(channel);
      let channelError: Error | undefined;
      channel.on('error', (error: Error) => {
        channelError = error;
        this.logger.warn({ err: error }, 'broker channel error');
      });
      this.#channels.add(channel);
      channel.once('close', () => {
        this.#channels.delete(channel);
        if (this.#closing) return;
        this.#closedBecause ??= channelError; // none when the connection closed it
        model.close().catch(() => undefined); // recovery reconnects and runs setup again
      });
      return channel;
    };
    const publisher = await openChannel();
    await setup({ publisher, openChannel });
    this.#publisher = publisher;
  }

  #watch(connection: RecoveringChannelModel): void {
    const { logger } = this;
    connection.on('connect', () => {
      this.#connected = true;
      this.#closedBecause = undefined;
      logger.info({}, 'connected to the broker');
    });
    connection.on('disconnect', (error: Error) => {
      this.#connected = false;
      const cause = this.#closedBecause ?? error;
      this.#closedBecause = undefined;
      if (!this.#closing)
        logger.warn(
          { err: cause, ...lossCause(cause) },
          'lost the broker connection; reconnecting',
        );
    });
    connection.on('connect-failed', (error: Error) => {
      logger.warn({ err: error }, 'could not connect to the broker');
    });
    connection.on(
      'reconnect-scheduled',
      ({ attempt, delay }: { attempt: number; delay: number }) => {
        logger.info({ attempt, delayMs: delay }, 'reconnecting to the broker');
      },
    );
    connection.on('blocked', (reason: string) =>
      logger.warn({ reason }, 'the broker blocked publishing'),
    );
    connection.on('unblocked', () => logger.info({}, 'the broker unblocked publishing'));
    connection.on('error', (error: Error) =>
      logger.warn({ err: error }, 'broker connection error'),
    );
  }
}

/**
 * What ended a connection, in two fields a reader can filter on: the broker's reply code and text
 * (`320` and `CONNECTION_FORCED - Closed via management plugin`, `404` and `NOT_FOUND - no
 * queue ...` for a channel error), or the socket's error code and message (`ECONNRESET`).
 */
function lossCause(error: Error): { reason: string; code?: string | number } {
  const { code } = error as Error & { code?: unknown };
  const reason = /with message "(.*)"$/s.exec(error.message)?.[1] ?? error.message;
  return typeof code === 'string' || typeof code === 'number' ? { reason, code } : { reason };
}
