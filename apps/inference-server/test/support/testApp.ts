import { closeApp } from '@taller/health';
import { createLogger } from '@taller/telemetry';
import { captureLines } from '@taller/testing';
import { configSchema } from '../../src/config.js';
import { startApp, type InferenceApp } from '../../src/startApp.js';

export interface TestApp {
  app: InferenceApp;
  url: string;
  /** `127.0.0.1:<port>`, where the gRPC API answers. */
  grpcAddress: string;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * The app in this process as server.ts starts it (startApp), on free ports of 127.0.0.1, with
 * one inference thread and the production defaults otherwise, plus `env`; not ready yet (see
 * `ready` in serverProcess.ts). Tests of the process itself (signals, exit codes, the build)
 * start it as a process instead (serverProcess.ts).
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = configSchema.parse({
    HOST: '127.0.0.1',
    PORT: '0',
    GRPC_PORT: '0',
    INFERENCE_THREADS: '1',
    ...env,
  });
  const { destination, lines: logs } = captureLines();
  const logger = createLogger({ name: 'inference-server', level: config.LOG_LEVEL, destination });
  const app = await startApp(config, { logger });
  return {
    app,
    url: app.url,
    grpcAddress: `127.0.0.1:${app.grpcPort}`,
    logs,
    close: () => closeApp(app),
  };
}
