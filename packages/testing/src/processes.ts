import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

export interface AppProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (or the killing signal) once all the output has been read. */
  exited: Promise<number | NodeJS.Signals>;
  /** Sends the signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
  /** The last log lines, for a failing test's output. */
  tail(lines?: number): string;
}

const running = new Set<AppProcess>();

const FROM_SOURCE = ['--import', 'tsx', '--conditions=@taller/source'];

/** Each line of a child's output, parsed when it is JSON (a log line) and kept as `msg` otherwise. */
function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}

/**
 * Runs an app's TypeScript entry point (`<app>/src/server.ts`) as a real process, as `npm run
 * dev` does, from the app's folder, on a free port of 127.0.0.1 and with no shutdown drain delay
 * unless `env` says otherwise; resolves once it answers /livez. With `built`, runs its compiled
 * twin (`<app>/dist/server.js`) with plain node, as the container does (build it first).
 */
export async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  { built = false }: { built?: boolean } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const args = built ? [join('dist', `${basename(entry, '.ts')}.js`)] : [...FROM_SOURCE, entry];
  const child = spawn(process.execPath, args, {
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
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(parseLine(line)));
  // 'close' rather than 'exit': a process can exit before its last output has been read.
  const exited = once(child, 'close').then(
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

export interface CommandRun {
  /** The exit code, or the signal that ended the process. */
  code: number | NodeJS.Signals;
  /** Every line of stdout, parsed (JSON log lines). */
  lines: Record<string, unknown>[];
  stderr: string;
}

/**
 * Runs a TypeScript entry point to its end, as an operator runs a command such as `node
 * dist/migrate.js down`: from its app's folder (`<app>/src/migrate.ts`), with only PATH, no
 * secrets folder and `env` in its environment, so nothing of the test's own leaks in.
 */
export async function runCommand(
  entry: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<CommandRun> {
  const child = spawn(process.execPath, [...FROM_SOURCE, entry, ...args], {
    cwd: dirname(dirname(entry)),
    env: { PATH: process.env.PATH, SECRETS_DIR: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const reader = createInterface({ input: child.stdout });
  reader.on('line', (line) => lines.push(parseLine(line)));
  const [exit] = await Promise.all([once(child, 'exit'), once(reader, 'close')]);
  const [code, signal] = exit as [number | null, NodeJS.Signals | null];
  return { code: code ?? signal!, lines, stderr };
}
