export {
  databaseSettings,
  connectionConfig,
  type DatabaseSettings,
  type ConnectionSettings,
} from './settings.js';
export { createPool, type PoolOptions } from './pool.js';
export { registerPoolMetrics } from './pool-metrics.js';
export {
  databaseError,
  classifyDatabaseError,
  isDatabaseUnavailable,
  type DatabaseFailure,
} from './database-error.js';
export { runMigrations, type MigrationOptions } from './migrations.js';
export { runMigrateCommand, type MigrateCommandOptions } from './migrate-command.js';
