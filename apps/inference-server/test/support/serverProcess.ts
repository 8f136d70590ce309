import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitFor, type AppProcess } from '@taller/testing';

export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

export type ServerProcess = AppProcess & {
  /** `127.0.0.1:<GRPC_PORT>`, where the gRPC API answers. */
  grpcAddress: string;
};

/**
 * The real server process (`src/server.ts` through tsx, as `npm run dev` runs it, or the build
 * with `built`), with one inference thread unless `env` says otherwise, its gRPC API on a free
 * port; resolved once it answers `/livez`, not ready yet then.
 */
export async function startServer(
  env: Record<string, string> = {},
  { built = false } = {},
): Promise<ServerProcess> {
  const grpcPort = await freePort();
  const server = await startProcess(
    'inference-server',
    ENTRY,
    { INFERENCE_THREADS: '1', GRPC_PORT: String(grpcPort), ...env },
    { built },
  );
  return Object.assign(server, { grpcAddress: `127.0.0.1:${grpcPort}` });
}

/** Resolves once `GET /readyz` answers 200 (a process or an app in this process). */
export function ready(server: { url: string }, timeoutMs = 60_000): Promise<true> {
  return waitFor(
    'readiness',
    async () => (await fetch(`${server.url}/readyz`)).status === 200 || undefined,
    { timeoutMs, intervalMs: 50 },
  );
}
