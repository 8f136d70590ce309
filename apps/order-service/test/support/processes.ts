import { fileURLToPath } from 'node:url';

// Tests run the apps as real processes (startProcess from @taller/testing), from their
// TypeScript sources. The worker is started from its own folder: a process boundary, as in
// production, never an import.
export const SERVICE_ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
export const WORKER_ENTRY = fileURLToPath(
  new URL('../../../order-worker/src/server.ts', import.meta.url),
);
