import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// Tests run the apps as real processes, from their TypeScript sources. order-service is started
// from its own folder (for the contract test): a process boundary, as in production, never an
// import.
export const WORKER_ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
export const SERVICE_DIR = fileURLToPath(new URL('../../../order-service/', import.meta.url));
export const SERVICE_ENTRY = `${SERVICE_DIR}src/server.ts`;

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

/** Starts `node <entry>` with tsx and resolves once it logs the port it listens on. */
export async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@taller/source', entry], {
    cwd: dirname(dirname(entry)),
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', SHUTDOWN_DRAIN_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(
    ([code, signal]) => (code ?? signal) as number | NodeJS.Signals,
  );
  const port = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') resolve(entry.port as number);
      } catch {
        logs.push({ msg: line });
      }
    });
    void exited.then((code) =>
      reject(new Error(`${name} exited (${code}) before listening: ${stderr}`)),
    );
  });
  const app: AppProcess = {
    name,
    url: '',
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
  const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    app.url = `http://127.0.0.1:${await port}`;
  } finally {
    clearTimeout(timeout);
  }
  return app;
}

/** Kills whatever a test left running (for afterAll, also when a test failed). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((app) => app.stop('SIGKILL')));
}
