import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const CLOCK_TICKS =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Whether `taskset` can pin processes here (Linux with at least two CPUs). */
export const canPin =
  spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }).status === 0 &&
  (spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim() || '1') !== '1';

/** Pins this process (every thread, and the children it starts from now on) to `cpu`. */
export function pinSelf(cpu: number): void {
  if (canPin) spawnSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)]);
}

export interface ServerProcess {
  name: string;
  url: string;
  /** User + system CPU seconds the process has used so far (all its threads). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point of this app as its own process, pinned to `cpu` when possible. */
export async function startServer(
  name: string,
  script: string,
  port: number,
  cpu: number,
  env: Record<string, string>,
  logFile: string,
  readyPath = '/hello',
): Promise<ServerProcess> {
  const command = [process.execPath, '--import', 'tsx', '--conditions=@taller/source', script];
  // Logs go to a file, as a container runtime's do, not to a pipe this process would have to drain.
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    canPin ? 'taskset' : command[0]!,
    canPin ? ['-c', String(cpu), ...command] : command.slice(1),
    {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, SECRETS_DIR: '/nonexistent', PORT: String(port), ...env },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`${url}${readyPath}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not start; see ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    url,
    cpuSeconds() {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
      }
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime) after the parenthesised command name.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
