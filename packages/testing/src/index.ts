export { postgresUrl, redisUrl, amqpUrl } from './services.js';
export { createTestDatabase, type TestDatabase } from './database.js';
export { uniqueName } from './names.js';
export { waitFor } from './waitFor.js';
export { freePort } from './ports.js';
export {
  startProcess,
  waitUntilHealthy,
  stopAll,
  runCommand,
  type AppProcess,
  type CommandRun,
} from './processes.js';
export {
  deleteBrokerObjects,
  tapExchange,
  drainQueue,
  rabbitmqctl,
  blockPublishers,
} from './broker.js';
export { metricValue } from './metrics.js';
export { captureLines } from './logLines.js';
export { publicTables } from './tables.js';
