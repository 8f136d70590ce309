import { Router } from 'express';
import { isReady, type Health } from './health.js';

/** `GET /livez`, `/readyz` and `/startupz` as JSON, 200 or 503. */
export function expressHealthRoutes(health: Health): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json(health.liveness());
  });
  router.get('/startupz', (_req, res) => {
    const report = health.startup();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  router.get('/readyz', async (_req, res) => {
    const report = await health.readiness();
    res.status(isReady(report) ? 200 : 503).json(report);
  });
  return router;
}
