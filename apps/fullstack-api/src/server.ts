// The process: settings, the started app, and a graceful shutdown on SIGTERM.
import { runServer } from '@taller/health';
import { readConfig } from './config.js';
import { startApp } from './startApp.js';

await runServer({ name: 'fullstack-api', readConfig, startApp });
