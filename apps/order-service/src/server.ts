// The order-service process: settings, the app started, an orderly shutdown on SIGTERM.
import { runServer } from '@taller/health';
import { readConfig } from './config.js';
import { startApp } from './startApp.js';

await runServer({ name: 'order-service', readConfig, startApp });
