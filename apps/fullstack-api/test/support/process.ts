import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningScript {
  child: ChildProcess;
  /** Log lines written so far, parsed (non-JSON lines are kept as `{ text }`). */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Runs one of the app's entry points (`src/server.ts`, `src/migrate.ts`) as `npm run` would. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): RunningScript {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@taller/source', script, ...args],
    {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, SECRETS_DIR: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete.filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, lines, exited };
}
