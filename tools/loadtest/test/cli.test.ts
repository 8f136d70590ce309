// The command as users run it, as a process against a real HTTP server: plain lines when stdout
// is not a terminal, the summary table and the timeline files.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from './support/httpServer.js';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

function loadtest(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=@taller/source', '--import', 'tsx', CLI, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
}

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startServer((request, response) =>
    json(response, request.method === 'POST' ? 201 : 200, { items: [] }),
  );
  dir = mkdtempSync(join(tmpdir(), 'loadtest-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run loadtest', () => {
  it('runs the fullstack scenario and writes the summary, the CSV and the chart', async () => {
    const csv = join(dir, 'out', 'run.csv');
    const svg = join(dir, 'out', 'run.svg');
    const started = performance.now();
    const { code, output } = await loadtest([
      'fullstack',
      ...['--target', server.url, '--duration', '1s', '--csv', csv, '--svg', svg],
    ]);
    expect(code, output).toBe(0);
    expect(performance.now() - started).toBeLessThan(8000);
    expect(output).not.toContain('\x1b['); // no cursor movement outside a terminal
    expect(output).toMatch(/^\[ +[01]s\] fullstack 4\/4 cool down .* req\/s {2}p99 /m); // which second depends on the machine's load
    expect(output).toMatch(
      /^stage +seconds +conns +rate +responses +req\/s +p50 ms +p99 ms +errors$/m,
    );
    expect(output).toMatch(/^peak +0\.4 +8 +9 /m);
    expect(output).toContain('errors: none');
    // One write for three reads, on the task board's routes.
    const posts = server.arrivals.filter((a) => a.method === 'POST' && a.path === '/api/tasks');
    const gets = server.arrivals.filter(
      (a) => a.method === 'GET' && a.path.startsWith('/api/tasks?'),
    );
    expect(posts.length).toBeGreaterThan(0);
    expect(Math.abs(gets.length - 3 * posts.length)).toBeLessThanOrEqual(12);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe(
      'second,requests_per_second,p99_ms,errors',
    );
    expect(existsSync(svg)).toBe(true);
  });
});
