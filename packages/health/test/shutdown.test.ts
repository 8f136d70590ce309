import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

interface Child {
  process: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; at: number }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function spawnFixture(framework: string, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@taller/source', 'test/fixtures/server.ts', framework],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const exited = once(child, 'exit').then(([code]) => ({
    code: code as number | null,
    at: Date.now(),
  }));
  const lines: Record<string, unknown>[] = [];
  const reader = createInterface({ input: child.stdout });
  const port = new Promise<number>((resolve, reject) => {
    reader.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === 'listening') resolve(entry.port as number);
    });
    void exited.then(() => reject(new Error('server exited before listening')));
  });
  // A child that exits before listening is a failure only for whoever awaits the port.
  port.catch(() => undefined);
  return { process: child, lines, exited, port };
}

async function startServer(framework: string, env: Record<string, string>): Promise<Child> {
  const { port, ...child } = spawnFixture(framework, env);
  return { ...child, url: `http://127.0.0.1:${await port}` };
}

interface Outcome {
  path: string;
  status?: number;
  connection?: string;
  error?: string;
  sentAt: number;
}

/** One request on a client's keep-alive connection, recording what came back or what failed. */
async function request(client: Client, path: string): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const { statusCode, headers, body } = await client.request({ path, method: 'GET' });
    await body.dump();
    return { path, status: statusCode, connection: String(headers.connection), sentAt };
  } catch (error) {
    return { path, error: (error as Error & { code?: string }).code ?? String(error), sentAt };
  }
}

describe.each(['express', 'fastify'])('graceful shutdown (%s)', (framework) => {
  it('drains keep-alive load without failing a request, then exits 0', async () => {
    const drainDelayMs = 1500;
    const server = await startServer(framework, {
      DRAIN_DELAY_MS: String(drainDelayMs),
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const outcomes: Outcome[] = [];
    let sigtermAt = Infinity;
    let notReadyAt = Infinity;
    let routedAway = false;

    // Eight keep-alive connections kept busy, as a load balancer would until endpoints change.
    const clients = Array.from({ length: 8 }, () => new Client(server.url, { pipelining: 1 }));
    const load = clients.map(async (client) => {
      while (!routedAway) outcomes.push(await request(client, '/work?ms=20'));
    });
    // The endpoints controller: polls readiness; once it fails, new traffic goes elsewhere.
    const prober = new Client(server.url);
    const probes: Outcome[] = [];
    const probing = (async () => {
      while (notReadyAt === Infinity) {
        const probe = await request(prober, '/readyz');
        probes.push(probe);
        if (probe.status === 503 && notReadyAt === Infinity) {
          notReadyAt = Date.now();
          setTimeout(() => (routedAway = true), 200);
        }
        await sleep(50);
      }
    })();

    await sleep(300);
    sigtermAt = Date.now();
    server.process.kill('SIGTERM');
    // A slow request that is still running when the server stops accepting: it must complete.
    await sleep(drainDelayMs - 300);
    const slow = request(new Client(server.url), '/work?ms=1000');

    await Promise.all([...load, probing]);
    const slowOutcome = await slow;
    const { code, at: exitedAt } = await server.exited;
    await Promise.all([...clients, prober].map((client) => client.close()));

    const failures = outcomes.filter(
      (outcome) => outcome.error !== undefined || outcome.status !== 200,
    );
    expect(failures).toEqual([]);
    expect(slowOutcome).toMatchObject({ status: 200, connection: 'close' });
    const duringDrain = outcomes.filter((outcome) => outcome.sentAt > sigtermAt);
    expect(duringDrain.length).toBeGreaterThan(8);
    expect(duringDrain.every((outcome) => outcome.connection === 'close')).toBe(true);
    expect(probes.some((probe) => probe.status === 200 && probe.sentAt < sigtermAt)).toBe(true);
    expect(notReadyAt).toBeGreaterThan(sigtermAt);
    expect(notReadyAt - sigtermAt).toBeLessThan(drainDelayMs);
    expect(code).toBe(0);
    expect(exitedAt - sigtermAt).toBeGreaterThanOrEqual(drainDelayMs + 700); // waited for the slow one
    expect(exitedAt - sigtermAt).toBeLessThan(10_000);
    const closed = server.lines.map((line) => line.closer).filter(Boolean);
    expect(closed).toEqual(['last-registered', 'first-registered']);
  });

  it('exits 1 when a hung request outlives the hard timeout', async () => {
    const server = await startServer(framework, {
      DRAIN_DELAY_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '1000',
    });
    const client = new Client(server.url);
    const hung = request(client, '/hang');
    await sleep(100);
    const sigtermAt = Date.now();
    server.process.kill('SIGTERM');
    const { code, at } = await server.exited;
    expect(code).toBe(1);
    expect(at - sigtermAt).toBeGreaterThanOrEqual(1000);
    expect(at - sigtermAt).toBeLessThan(3000);
    expect((await hung).error).toBeDefined();
    expect(server.lines.some((line) => line.msg === 'shutdown timed out; exiting 1')).toBe(true);
    await client.destroy();
  });

  it('logs why and exits 1 when the settings are invalid or the start fails', async () => {
    const invalid = spawnFixture(framework, { DRAIN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: 'x' });
    expect((await invalid.exited).code).toBe(1);
    expect(invalid.lines.map((line) => line.msg)).toEqual(['invalid configuration']);

    const failing = spawnFixture(framework, {
      DRAIN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '1000',
      START: 'fail',
    });
    expect((await failing.exited).code).toBe(1);
    expect(failing.lines.at(-1)).toMatchObject({
      level: 'fatal',
      msg: 'failed to start',
      err: { message: 'the broker is not there' },
    });
  });
});
