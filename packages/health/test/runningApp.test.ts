import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeApp, Health, urlOf } from '../src/index.js';

describe('closeApp', () => {
  it('drops open connections, closes the server, then the resources last opened first', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = urlOf(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // A keep-alive connection left open would hold server.close() until its timeout.
    expect(await (await fetch(url)).text()).toBe('ok');

    const closed: string[] = [];
    const health = new Health();
    health.markStarted();
    await closeApp({
      server,
      url,
      health,
      resources: [
        { name: 'pool', close: () => closed.push('pool') },
        { name: 'broker', close: async () => closed.push('broker') },
      ],
    });

    expect(closed).toEqual(['broker', 'pool']);
    expect(server.listening).toBe(false);
    expect((await health.readiness()).status).toBe('draining');
  });
});
