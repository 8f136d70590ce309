// limitServer against real sockets: a request whose body stalls is answered 408 and closed, and
// connections past the cap are closed at once while those under it are served.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { limitServer } from '../src/index.js';

let server: Server;
afterEach(() => {
  server.closeAllConnections();
  server.close();
});

async function start(limits: { requestMs: number; maxConnections: number }): Promise<number> {
  // Checked every 100 ms instead of Node's 30 s, so that the test is quick.
  server = createServer({ connectionsCheckingInterval: 100 }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  limitServer(server, {
    HTTP_HEADERS_TIMEOUT_MS: limits.requestMs,
    HTTP_REQUEST_TIMEOUT_MS: limits.requestMs,
    HTTP_KEEP_ALIVE_TIMEOUT_MS: 5000,
    HTTP_MAX_CONNECTIONS: limits.maxConnections,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** Everything the server sent until it closed the socket. */
function received(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve) => socket.on('close', () => resolve(text)));
}

describe('limitServer', () => {
  it('answers 408 and closes a request whose body stalls', async () => {
    const port = await start({ requestMs: 500, maxConnections: 10 });
    const socket = connect(port, '127.0.0.1');
    const reply = received(socket);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"half":');
    const started = Date.now();
    expect(await reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('closes connections past the cap and serves the ones under it', async () => {
    const port = await start({ requestMs: 5000, maxConnections: 2 });
    const held = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    await Promise.all(held.map((socket) => once(socket, 'connect')));
    await new Promise((resolve) => setTimeout(resolve, 100)); // accepted by the server
    const extra = connect(port, '127.0.0.1');
    const refused = received(extra);
    extra.on('error', () => {});
    extra.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await refused).toBe('');
    const served = received(held[0]!);
    held[0]!.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await served).toMatch(/^HTTP\/1\.1 200 /);
    held[1]!.destroy();
  });
});
