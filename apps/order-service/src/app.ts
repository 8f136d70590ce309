import { fastifyHealthRoutes, type Health } from '@taller/health';
import {
  fastifyLoggerOptions,
  fastifyTelemetry,
  type Logger,
  type Metrics,
} from '@taller/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { registerErrorHandling, routerErrors } from './http/errorHandler.js';
import type { OrderRepository } from './orders/orderRepository.js';
import { orderRoutes } from './orders/orderRoutes.js';

export interface AppDependencies {
  logger: Logger;
  metrics: Metrics;
  health: Health;
  orders: OrderRepository;
  ordersCreated: Counter;
  /** Called after each new order commits (wakes the outbox relay). */
  onOrderCreated: () => void;
  bodyLimitBytes: number;
}

/** The HTTP app: orders API, health probes and metrics. No listening, no globals. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...fastifyLoggerOptions(deps.logger),
    ...routerErrors,
    bodyLimit: deps.bodyLimitBytes,
    // Bodies are validated as sent: "2" is not a quantity and unknown fields are an error, not
    // silently dropped. allErrors lists every problem; the body limit bounds the work.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
  });
  // JSON only: any other body (Fastify also parses text/plain by default) is a 415.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  await app.register(fastifyTelemetry, { metrics: deps.metrics });
  await app.register(fastifyHealthRoutes, { health: deps.health });
  await app.register(orderRoutes, {
    orders: deps.orders,
    ordersCreated: deps.ordersCreated,
    onOrderCreated: deps.onOrderCreated,
  });
  return app;
}
