import type { FastifyRequest } from 'fastify';
import type { Health } from '@taller/health';
import { fastifyApp } from '@taller/health/fastify';
import { databaseApiError, databaseError } from '@taller/postgres';
import type { ApiError, Logger, Metrics } from '@taller/telemetry';
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
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
  const app = await fastifyApp({
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    mapError: orderStoreError,
    options: {
      bodyLimit: deps.bodyLimitBytes,
      // Bodies are validated as sent: "2" is not a quantity and unknown fields are an error, not
      // silently dropped. allErrors lists every problem; the body limit bounds the work.
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    },
  });
  await app.register(orderRoutes, {
    orders: deps.orders,
    ordersCreated: deps.ordersCreated,
    onOrderCreated: deps.onOrderCreated,
  });
  return app;
}

/** A database outage is a 503 the client may retry; a value the database refused, a 400. */
function orderStoreError(error: Error, request: FastifyRequest): ApiError | undefined {
  const apiError = databaseApiError(error);
  if (apiError?.status === 503)
    request.log.warn({ err: databaseError(error) }, 'database unavailable');
  if (apiError?.status === 400)
    request.log.info({ err: databaseError(error) }, 'the database refused a value');
  return apiError;
}
