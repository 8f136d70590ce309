import type { Server } from 'node:http';
import type { Health } from './health.js';

/** Something an app opened (a pool, a connection, a consumer) and must close on the way out. */
export interface Resource {
  name: string;
  close: () => unknown;
}

/** What every app's `startApp` returns: listening, started, and what to close afterwards. */
export interface RunningApp {
  server: Server;
  /** Where the server listens, e.g. `http://127.0.0.1:43121`. */
  url: string;
  health: Health;
  /** Closed after the server, last one first (the order they were opened in). */
  resources: Resource[];
}

/** The URL a listening server answers on. */
export function urlOf(server: Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the server is not listening on TCP');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Closes an app at once, as tests need: connections dropped, no drain, resources in reverse. */
export async function closeApp(app: RunningApp): Promise<void> {
  app.health.markDraining();
  app.server.closeAllConnections();
  await new Promise<void>((resolve) => app.server.close(() => resolve()));
  for (const resource of app.resources.toReversed()) await resource.close();
}
