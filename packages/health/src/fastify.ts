import type { FastifyInstance } from 'fastify';
import { isReady, type Health } from './health.js';

const status = (values: string[]) => ({ type: 'string', enum: values }) as const;
const statusBody = (values: string[]) =>
  ({ type: 'object', properties: { status: status(values) }, required: ['status'] }) as const;
const readinessBody = {
  type: 'object',
  properties: {
    status: status(['ok', 'degraded', 'fail', 'starting', 'draining']),
    // Each check's result; `details` is whatever the check chose to report.
    checks: { type: 'object', additionalProperties: true },
  },
  required: ['status', 'checks'],
} as const;

// The probes take no input; their bodies are serialized by these schemas.
const schemas = {
  livez: { response: { 200: statusBody(['ok']) } },
  startupz: { response: { 200: statusBody(['ok']), 503: statusBody(['starting']) } },
  readyz: { response: { 200: readinessBody, 503: readinessBody } },
};

/** `GET /livez`, `/readyz` and `/startupz` as JSON, 200 or 503; register with `{ health }`. */
export async function fastifyHealthRoutes(
  app: FastifyInstance,
  { health }: { health: Health },
): Promise<void> {
  const quiet = { logLevel: 'silent' } as const;
  app.get('/livez', { ...quiet, schema: schemas.livez }, async () => health.liveness());
  app.get('/startupz', { ...quiet, schema: schemas.startupz }, async (_request, reply) => {
    const report = health.startup();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/readyz', { ...quiet, schema: schemas.readyz }, async (_request, reply) => {
    const report = await health.readiness();
    return reply.code(isReady(report) ? 200 : 503).send(report);
  });
}
