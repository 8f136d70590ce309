import type { ConfirmChannel, Options } from 'amqplib';
import { uniqueName } from '@taller/testing';

/** Exchange and queue names unique to this test run, so runs never see each other's messages. */
export function brokerNames() {
  const prefix = uniqueName('ordertest');
  return {
    prefix,
    exchange: `${prefix}.orders`,
    resultsQueue: `${prefix}.service-results`,
    workerQueue: `${prefix}.worker-orders`,
  };
}

/**
 * The real channel, except that the confirms of the messages `hold` picks never reach the
 * publisher: a broker that takes a message and does not confirm it (blocked by an alarm, or
 * this process gone before the confirm arrived), without touching the shared broker's settings.
 */
export function withholdConfirms(
  channel: ConfirmChannel,
  hold: (options: Options.Publish) => boolean,
): ConfirmChannel {
  return new Proxy(channel, {
    get(target, property, receiver) {
      if (property !== 'publish') return Reflect.get(target, property, receiver) as unknown;
      return (
        exchange: string,
        routingKey: string,
        content: Buffer,
        options: Options.Publish,
        callback?: (error: unknown) => void,
      ) =>
        target.publish(exchange, routingKey, content, options, (error: unknown) => {
          if (!hold(options)) callback?.(error);
        });
    },
  });
}
