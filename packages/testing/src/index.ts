export { postgresUrl, redisUrl, amqpUrl } from './services.js';
export { createTestDatabase, type TestDatabase } from './database.js';
export { uniqueName } from './names.js';
