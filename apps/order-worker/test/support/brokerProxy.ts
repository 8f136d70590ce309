import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of RabbitMQ whose broker-to-client direction can be held: while held, the
 * client sends as usual (its publishes reach the broker) but receives nothing, so no confirm
 * arrives, as with a broker blocked by an alarm, without changing the shared broker's settings.
 */
export async function brokerProxy(brokerUrl: string) {
  const target = new URL(brokerUrl);
  const pipes = new Set<{ client: Socket; broker: Socket; held: Buffer[] }>();
  let holding = false;
  const server = createServer((client) => {
    const broker = connect(Number(target.port || 5672), target.hostname);
    const pipe = { client, broker, held: [] as Buffer[] };
    pipes.add(pipe);
    client.pipe(broker);
    broker.on('data', (chunk: Buffer) => {
      if (holding) pipe.held.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      pipes.delete(pipe);
      client.destroy();
      broker.destroy();
    };
    client.on('close', end).on('error', end);
    broker.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(brokerUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    hold(): void {
      holding = true;
    },
    release(): void {
      holding = false;
      for (const pipe of pipes) for (const chunk of pipe.held.splice(0)) pipe.client.write(chunk);
    },
    async close(): Promise<void> {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.broker.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
