import { fileURLToPath } from 'node:url';

// Tests run the apps as real processes (startProcess from @taller/testing), from their
// TypeScript sources. order-service is started from its own folder (for the contract test): a
// process boundary, as in production, never an import.
export const WORKER_ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
const SERVICE_DIR = fileURLToPath(new URL('../../../order-service/', import.meta.url));
export const SERVICE_ENTRY = `${SERVICE_DIR}src/server.ts`;
export const SERVICE_MIGRATE = `${SERVICE_DIR}src/migrate.ts`;
