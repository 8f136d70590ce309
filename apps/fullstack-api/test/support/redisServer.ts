import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@taller/testing';
import { Redis } from 'ioredis';

/** A Redis of our own, to stop, freeze and restart without touching the shared one. */
export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL: gone, connections refused. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers (a slow or hung Redis). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** A fresh (empty) server on the same port after `kill`. */
  restart(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `redis-server` on a free port (no persistence) and waits until it answers PING.
 * With a password, `url` carries none: the caller supplies it.
 */
export async function startRedisServer({
  password,
}: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const extra = password === undefined ? [] : ['--requirepass', password];
  const probeUrl =
    password === undefined ? url : `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let child = await launch(port, probeUrl, extra);
  return {
    url,
    port,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
      running.delete(child);
    },
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    async restart() {
      child = await launch(port, probeUrl, extra);
    },
  };
}

async function launch(port: number, url: string, extra: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmpdir(),
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  running.add(child);
  child.once('error', () => running.delete(child));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return child;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not start (is redis-server installed?)`, {
          cause: error,
        });
      }
      await sleep(50);
    } finally {
      probe.disconnect();
    }
  }
}
