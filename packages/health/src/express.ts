import type { IRouter } from 'express';
import { isReady, type Health } from './health.js';

/**
 * Adds `GET /livez`, `/readyz` and `/startupz` (JSON, 200 or 503) to an Express app or router.
 * It takes the app rather than importing express, so Fastify apps never need express installed.
 */
export function expressHealthRoutes(app: IRouter, health: Health): void {
  app.get('/livez', (_req, res) => {
    res.json(health.liveness());
  });
  app.get('/startupz', (_req, res) => {
    const report = health.startup();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.get('/readyz', async (_req, res) => {
    const report = await health.readiness();
    res.status(isReady(report) ? 200 : 503).json(report);
  });
}
