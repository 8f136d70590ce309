import type { Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import type { RunningApp } from './runningApp.js';

interface ShutdownLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino buffers lines and writes them asynchronously: flushed before the process exits. */
  flush?(done: (error?: Error) => void): void;
}

export interface ShutdownOptions {
  /** The app to stop: its server is drained, then its resources closed. */
  app: RunningApp;
  logger: ShutdownLogger;
  /** How long to keep serving after readiness fails, so endpoints stop routing here (SIGTERM only). */
  drainDelayMs: number;
  /** Hard limit for the whole shutdown; past it the process exits 1. */
  timeoutMs: number;
}

export interface Shutdown {
  /** Shuts down as if a SIGTERM arrived (for tests and fatal conditions). */
  shutdown(): void;
}

/**
 * On SIGTERM or SIGINT: fail readiness, keep serving for the drain delay while telling every
 * client to close its keep-alive connection, stop accepting, let in-flight requests finish,
 * close the app's resources in reverse order, exit 0. If that takes longer than `timeoutMs`,
 * exit 1. An uncaught error runs the same steps and exits 1.
 */
export function gracefulShutdown({
  app,
  logger,
  drainDelayMs,
  timeoutMs,
}: ShutdownOptions): Shutdown {
  const drain = drainable(app.server);

  const { close } = closeWithGrace(
    {
      delay: timeoutMs,
      logger: false,
      onTimeout: () => logger.error({ timeoutMs }, 'shutdown timed out; exiting 1'),
      onSecondSignal: (signal) =>
        logger.error({ signal }, 'second signal during shutdown; exiting 1'),
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'fatal error; shutting down');
      logger.info({ signal, drainDelayMs }, 'shutting down: readiness now fails');
      app.health.markDraining();
      drain.startDraining();
      // An interactive Ctrl-C has no load balancer to wait for.
      if (signal !== 'SIGINT') await sleep(drainDelayMs);
      await drain.close();
      logger.info({}, 'http server closed: in-flight requests finished');
      for (const { name, close } of app.resources.toReversed()) {
        try {
          await close();
          logger.info({ resource: name }, 'closed');
        } catch (error) {
          logger.error({ err: error, resource: name }, 'failed to close');
        }
      }
      logger.info({}, 'shutdown complete');
      await new Promise<void>((resolve) =>
        logger.flush ? logger.flush(() => resolve()) : resolve(),
      );
    },
  );

  return {
    shutdown: () => {
      close();
    },
  };
}

/**
 * Tracks in-flight responses so that, once draining starts, every response carries
 * `Connection: close` (clients stop reusing the connection instead of having it reset) and
 * connections left idle after closing are closed at once rather than at their keep-alive timeout.
 */
function drainable(server: Server) {
  let draining = false;
  let closing = false;
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    startDraining() {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    },
    close() {
      closing = true;
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}
