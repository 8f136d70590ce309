// BrokerConnection against a real RabbitMQ: setup on every (re)connection, publishers ready for
// publishConfirmed, recovery from a failed channel and from a connection the broker closed.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { amqpUrl, deleteBrokerObjects, drainQueue, uniqueName, waitFor } from '@taller/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BrokerConnection,
  publishConfirmed,
  UnroutableError,
  type BrokerSession,
} from '../src/index.js';
import { capturingLogger } from './support.js';

const exec = promisify(execFile);
const prefix = uniqueName('messaging_connection');
const brokers: BrokerConnection[] = [];

afterAll(async () => {
  await Promise.all(brokers.map((broker) => broker.close()));
  await deleteBrokerObjects(prefix);
});

async function open(url: string, setup: (session: BrokerSession) => Promise<void>) {
  const { logger, lines } = capturingLogger();
  const name = uniqueName(prefix);
  const broker = await BrokerConnection.open({
    url,
    name,
    logger,
    initialDelayMs: 50,
    maxDelayMs: 200,
    setup,
  });
  brokers.push(broker);
  return { broker, lines, name };
}

/** Closes a client's connection from the broker's side, as a broker restart or an operator would. */
async function closeFromBroker(connectionName: string): Promise<void> {
  const { stdout } = await exec('rabbitmqctl', [
    '-q',
    'list_connections',
    'pid',
    'client_properties',
  ]);
  const line = stdout.split('\n').find((candidate) => candidate.includes(`"${connectionName}"`));
  if (!line) throw new Error(`no connection named ${connectionName}`);
  await exec('rabbitmqctl', ['-q', 'close_connection', line.split('\t')[0]!, 'closed by a test']);
}

describe('BrokerConnection', () => {
  it('runs setup before reporting connected; its publisher is ready for publishConfirmed', async () => {
    const queue = `${prefix}.setup`;
    const sessions: BrokerSession[] = [];
    const { broker, lines } = await open(await amqpUrl(), async (session) => {
      await session.publisher.assertQueue(queue, { durable: true });
      sessions.push(session);
    });
    await broker.waitForConnect();
    expect(broker.connected).toBe(true);
    expect(sessions).toHaveLength(1);
    expect(broker.publisher).toBe(sessions[0]!.publisher);

    await publishConfirmed(broker.publisher!, '', queue, Buffer.from('hi'), { messageId: 'm-1' });
    expect((await drainQueue(queue, 1)).map((m) => m.content.toString())).toEqual(['hi']);
    // Returns are tracked on every channel it opens, so a message no queue takes is an error.
    await expect(
      publishConfirmed(broker.publisher!, '', `${prefix}.missing`, Buffer.from('lost'), {
        messageId: randomUUID(),
      }),
    ).rejects.toBeInstanceOf(UnroutableError);
    const other = await sessions[0]!.openChannel();
    await expect(
      publishConfirmed(other, '', `${prefix}.missing`, Buffer.from('lost'), {
        messageId: randomUUID(),
      }),
    ).rejects.toBeInstanceOf(UnroutableError);
    expect(lines.map((line) => line.msg)).toContain('connected to the broker');
  });

  it('rebuilds the connection and runs setup again when one of its channels fails', async () => {
    let setups = 0;
    const { broker, lines } = await open(await amqpUrl(), async ({ openChannel }) => {
      await openChannel(); // a consumer's channel, say
      setups += 1;
    });
    await broker.waitForConnect();
    const first = broker.publisher!;
    // A protocol error (checking an exchange that does not exist) closes that channel.
    await first.checkExchange(`${prefix}.${randomUUID()}`).catch(() => undefined);
    await waitFor('a second setup', () => setups === 2 && broker.connected);
    expect(broker.publisher).not.toBe(first);
    expect(lines.map((line) => line.msg)).toContain('broker channel error');
    // The loss is logged with the channel's error, not as the clean close that followed it.
    expect(
      lines.find((line) => line.msg === 'lost the broker connection; reconnecting'),
    ).toMatchObject({
      level: 'warn',
      code: 404,
      reason: expect.stringMatching(/^NOT_FOUND - no exchange/) as string,
    });
  });

  it('reconnects when the broker closes the connection', async () => {
    let setups = 0;
    const { broker, name, lines } = await open(await amqpUrl(), async ({ openChannel }) => {
      await openChannel(); // a consumer's channel, say: it closes before the connection does
      setups += 1;
    });
    await broker.waitForConnect();
    await closeFromBroker(name);
    await waitFor('the connection lost', () => !broker.connected || setups > 1);
    await waitFor('a new connection', () => setups === 2 && broker.connected);
    expect(broker.publisher).toBeDefined();
    expect(
      lines.find((line) => line.msg === 'lost the broker connection; reconnecting'),
    ).toMatchObject({ level: 'warn', code: 320, reason: 'CONNECTION_FORCED - closed by a test' });
  });

  it('returns at once while the broker is unreachable, and keeps trying in the background', async () => {
    const { broker, lines } = await open('amqp://guest:guest@127.0.0.1:1', async () => undefined);
    expect(broker.connected).toBe(false);
    expect(broker.publisher).toBeUndefined();
    await waitFor(
      'two reconnection attempts',
      () => lines.filter((line) => line.msg === 'reconnecting to the broker').length >= 2 && lines,
    );
    expect(lines.map((line) => line.msg)).toContain('could not connect to the broker');
  });

  it('stops for good on close', async () => {
    let setups = 0;
    const { broker, lines } = await open(await amqpUrl(), async () => {
      setups += 1;
    });
    await broker.waitForConnect();
    await broker.close();
    expect(broker.connected).toBe(false);
    expect(broker.publisher).toBeUndefined();
    await sleep(500); // more than twice the longest reconnection delay
    expect(setups).toBe(1);
    expect(lines.map((line) => line.msg)).not.toContain('lost the broker connection; reconnecting');
  });
});
