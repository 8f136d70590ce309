import type { AddressInfo } from 'node:net';
import { readConfigOrExit } from '@taller/config';
import { createLogger, type Logger } from '@taller/telemetry';
import type { RunningApp } from './runningApp.js';
import { gracefulShutdown } from './shutdown.js';

/** What every app's settings hold for the process around it. */
export interface ProcessSettings {
  LOG_LEVEL: string;
  SHUTDOWN_DRAIN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface RunServerOptions<C extends ProcessSettings> {
  /** The service's name: its process title and its logger's name. */
  name: string;
  readConfig: () => C;
  /** The app's composition function, the same one its tests start. */
  startApp: (config: C, options: { logger: Logger }) => Promise<RunningApp>;
}

/**
 * An app's `server.ts`: settings read (or a fatal line and exit 1), the app started, a graceful
 * shutdown on SIGTERM, one `listening` line. A start that fails is logged and exits 1.
 */
export async function runServer<C extends ProcessSettings>({
  name,
  readConfig,
  startApp,
}: RunServerOptions<C>): Promise<void> {
  // The name `ps`, `top` and `pgrep` show instead of `node ... dist/server.js`.
  process.title = name;
  const logger = createLogger({ name });
  const config = readConfigOrExit(readConfig, logger);
  let app: RunningApp;
  try {
    app = await startApp(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    logger.flush(() => process.exit(1));
    return;
  }
  gracefulShutdown({
    app,
    logger,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  const { address, port } = app.server.address() as AddressInfo;
  logger.info({ address, port }, 'listening');
}
