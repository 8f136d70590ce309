import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const FROM_SOURCE = ['--import', 'tsx', '--conditions=@taller/source', 'src/server.ts'];
// As the container runs it: compiled JavaScript, no TypeScript loader (needs a build first).
const BUILT = ['dist/server.js'];

/**
 * The real server process (`src/server.ts` through tsx, as `npm run dev` runs it, or the build)
 * on a port of its choosing (PORT=0), resolved once it answers `/livez`; not ready yet then.
 */
export async function startServer(
  env: Record<string, string> = {},
  { built = false } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, built ? BUILT : FROM_SOURCE, {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      INFERENCE_THREADS: '1',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      ...env,
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
      logs.push({ raw: line });
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await eventually(
    async () => {
      if (child.exitCode !== null) {
        throw new Error(
          `server exited with ${child.exitCode} before listening: ${stderr.slice(-2000)}`,
        );
      }
      const port = listeningPort(child.pid!);
      if (port === undefined) return undefined;
      const base = `http://127.0.0.1:${port}`;
      return (await fetch(`${base}/livez`).catch(() => undefined))?.ok ? base : undefined;
    },
    { what: 'the server to listen' },
  );
  return {
    url,
    child,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The TCP port a process listens on (IPv4), found through its socket file descriptors, so the
 * server can pick a free port itself whatever its log level.
 */
function listeningPort(pid: number): number | undefined {
  const sockets = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) sockets.add(inode);
    }
  } catch {
    return undefined; // not started yet, or gone
  }
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
    if (state === '0A' && inode !== undefined && sockets.has(inode)) {
      return parseInt(local!.split(':')[1]!, 16);
    }
  }
  return undefined;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves once `GET /readyz` answers 200. */
export function ready(server: ServerProcess, timeoutMs = 60_000): Promise<true> {
  return eventually(
    async () => ((await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined),
    { timeoutMs, what: 'readiness' },
  );
}
