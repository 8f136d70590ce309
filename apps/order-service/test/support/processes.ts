import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

// Tests run the apps as real processes, from their TypeScript sources. The worker is started
// from its own folder: a process boundary, as in production, never an import.
export const SERVICE_ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
export const WORKER_ENTRY = fileURLToPath(
  new URL('../../../order-worker/src/server.ts', import.meta.url),
);

export interface AppProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code, or the signal that killed the process. */
  exited: Promise<number | NodeJS.Signals>;
  /** Sends the signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
  /** The last log lines, for a failing test's output. */
  tail(lines?: number): string;
}

const running = new Set<AppProcess>();

/** A port free right now, for a child process to listen on. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** Starts `node <entry>` with tsx and resolves once it answers /livez. */
export async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@taller/source', entry], {
    cwd: dirname(dirname(entry)),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line });
    }
  });
  const exited = once(child, 'exit').then(
    ([code, signal]) => (code ?? signal) as number | NodeJS.Signals,
  );
  const app: AppProcess = {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const result = await exited;
      running.delete(app);
      return result;
    },
    tail: (lines = 30) =>
      [...logs.slice(-lines).map((entry) => JSON.stringify(entry)), stderr.slice(-2000)].join('\n'),
  };
  running.add(app);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(app);
      throw new Error(`${name} exited (${await exited}) before listening: ${stderr}`);
    }
    if ((await fetch(`${app.url}/livez`).catch(() => undefined))?.ok) return app;
    if (Date.now() > deadline) {
      await app.stop('SIGKILL');
      throw new Error(`${name} did not start listening within 30 s: ${app.tail()}`);
    }
    await sleep(50);
  }
}

/**
 * Waits until the app reports every dependency check ok (connected to RabbitMQ with its topology
 * declared, for instance), not merely ready: an order.created published before the worker has
 * declared its queue would reach only the queues already bound.
 */
export async function waitUntilHealthy(app: AppProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${app.url}/readyz`).catch(() => undefined);
    const report = (await response?.json().catch(() => undefined)) as
      { status?: string } | undefined;
    if (report?.status === 'ok') return;
    if (Date.now() > deadline)
      throw new Error(`${app.name} not healthy: ${JSON.stringify(report)}`);
    await sleep(50);
  }
}

/** Kills whatever a test left running (for afterAll, also when a test failed). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((app) => app.stop('SIGKILL')));
}
