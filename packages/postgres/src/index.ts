export {
  databaseSettings,
  connectionConfig,
  type DatabaseSettings,
  type ConnectionSettings,
} from './settings.js';
export { createPool, type PoolOptions } from './pool.js';
export { registerPoolMetrics } from './poolMetrics.js';
export {
  databaseError,
  classifyDatabaseError,
  databaseApiError,
  isDatabaseUnavailable,
  type DatabaseFailure,
} from './databaseError.js';
export { runMigrations, type MigrationOptions } from './migrations.js';
export { runMigrateCommand, type MigrateCommandOptions } from './migrateCommand.js';
