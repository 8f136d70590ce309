import { redactConfig } from '@taller/config';
import { createLogger } from '@taller/telemetry';
import { runMigrations } from './migrations.js';
import { connectionConfig, type ConnectionSettings } from './settings.js';

export interface MigrateCommandOptions {
  /** The logger's name, e.g. `order-service-migrate`. */
  name: string;
  /** The app's migrations folder. */
  dir: string;
  /** Reads the app's settings; throws (a ConfigError naming the bad keys) when they are invalid. */
  readConfig: () => ConnectionSettings & { LOG_LEVEL: string };
  /** The command's arguments; `process.argv.slice(2)` by default: `[up|down]`. */
  args?: string[];
}

/**
 * The body of an app's migration command (`node dist/migrate.js [up|down]`): reads the app's
 * settings, applies the pending migrations (or rolls back the last one) and logs what it did as
 * JSON lines. Any failure is logged as fatal and sets the exit code to 1.
 */
export async function runMigrateCommand({
  name,
  dir,
  readConfig,
  args = process.argv.slice(2),
}: MigrateCommandOptions): Promise<void> {
  const direction = args[0] ?? 'up';
  const logger = createLogger({ name });
  try {
    if (direction !== 'up' && direction !== 'down') {
      throw new Error(`unknown direction "${direction}": use "up" or "down"`);
    }
    const config = readConfig();
    logger.level = config.LOG_LEVEL;
    logger.info({ config: redactConfig(config), direction }, 'running migrations');
    const applied = await runMigrations({
      dir,
      connection: connectionConfig(config),
      logger,
      direction,
    });
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'nothing to migrate');
  } catch (error) {
    logger.fatal({ err: error }, 'migration failed');
    process.exitCode = 1;
  }
}
