import { closeApp, type RunningApp } from '@taller/health';
import { amqpUrl, deleteBrokerObjects } from '@taller/testing';
import { createLogger } from '@taller/telemetry';
import { configSchema } from '../../src/config.js';
import { startApp } from '../../src/startApp.js';
import { brokerNames } from './broker.js';

/**
 * order-service in process, started the way server.ts starts it, on a free port of 127.0.0.1,
 * against `databaseUrl` and broker names of its own; `env` overrides any setting.
 */
export async function startTestApp(databaseUrl: string, env: Record<string, string> = {}) {
  const names = brokerNames();
  const config = configSchema.parse({
    DATABASE_URL: databaseUrl,
    AMQP_URL: await amqpUrl(),
    ORDERS_EXCHANGE: names.exchange,
    RESULTS_QUEUE: names.resultsQueue,
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
  const app: RunningApp = await startApp(config, {
    logger: createLogger({ name: 'order-service-test', level: 'silent' }),
  });
  return {
    ...app,
    names,
    async close() {
      await closeApp(app);
      await deleteBrokerObjects(names.prefix);
    },
  };
}
