import type { FastifyInstance } from 'fastify';
import { isReady, type Health } from './health.js';

/** `GET /livez`, `/readyz` and `/startupz` as JSON, 200 or 503; register with `{ health }`. */
export async function fastifyHealthRoutes(
  app: FastifyInstance,
  { health }: { health: Health },
): Promise<void> {
  const quiet = { logLevel: 'silent' } as const;
  app.get('/livez', quiet, async () => health.liveness());
  app.get('/startupz', quiet, async (_request, reply) => {
    const report = health.startup();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/readyz', quiet, async (_request, reply) => {
    const report = await health.readiness();
    return reply.code(isReady(report) ? 200 : 503).send(report);
  });
}
