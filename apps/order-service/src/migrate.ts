// The migration command: `node dist/migrate.js [up|down]` in the image (a Job or an init step),
// `npm run migrate -w apps/order-service` in a checkout. Replicas never migrate at start.
import { runMigrateCommand } from '@taller/postgres';
import { readConfig } from './config.js';
import { MIGRATIONS_DIR } from './db/migrationsDir.js';

await runMigrateCommand({ name: 'order-service-migrate', dir: MIGRATIONS_DIR, readConfig });
