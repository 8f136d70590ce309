// The process: settings, the app (src/startApp.ts), a graceful shutdown on SIGTERM.
import { runServer } from '@taller/health';
import { readConfig } from './config.js';
import { startApp } from './startApp.js';

await runServer({ name: 'inference-server', readConfig, startApp });
