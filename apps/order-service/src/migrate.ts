// The migration command: `node dist/migrate.js [up|down]` in the image (a Job or an init step),
// `npm run migrate -w apps/order-service` in a checkout. Replicas never migrate at start.
import { redactConfig } from '@taller/config';
import { createLogger } from '@taller/telemetry';
import { readConfig } from './config.js';
import { connectionConfig } from './db/createPool.js';
import { runMigrations } from './db/runMigrations.js';

const direction = process.argv[2] ?? 'up';
const logger = createLogger({ name: 'order-service-migrate' });

try {
  if (direction !== 'up' && direction !== 'down') {
    throw new Error(`unknown direction "${direction}": use "up" or "down"`);
  }
  const config = readConfig();
  logger.level = config.LOG_LEVEL;
  logger.info({ config: redactConfig(config), direction }, 'running migrations');
  const applied = await runMigrations({ connection: connectionConfig(config), logger, direction });
  logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'nothing to migrate');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
}
