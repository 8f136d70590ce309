import type { FastifyRequest } from 'fastify';
import { fastifyApp, type Health } from '@taller/health';
import { classifyDatabaseError, databaseError } from '@taller/postgres';
import { ApiError, type Logger, type Metrics } from '@taller/telemetry';
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
  switch (classifyDatabaseError(error)) {
    case 'unavailable':
      request.log.warn({ err: databaseError(error) }, 'database unavailable');
      return new ApiError(
        503,
        'service_unavailable',
        'The order store is unavailable; retry shortly',
        { headers: { 'retry-after': '1' }, cause: error },
      );
    case 'rejected':
      request.log.info({ err: databaseError(error) }, 'the database refused a value');
      return new ApiError(400, 'invalid_value', 'The order store refused a value of this request', {
        cause: error,
      });
  }
  return undefined;
}
