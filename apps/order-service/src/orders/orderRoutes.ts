import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { ApiError } from '@taller/telemetry';
import type { Counter } from 'prom-client';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Order, OrderRepository } from './orderRepository.js';
import {
  createOrderBody,
  createOrderHeaders,
  listOrdersQuery,
  orderListResponse,
  orderParams,
  orderResponse,
} from './orderSchemas.js';
import { placeOrder } from './placeOrder.js';

export interface OrderRoutesOptions {
  orders: OrderRepository;
  ordersCreated: Counter;
  /** Called after a new order commits: wakes the outbox relay so it publishes at once. */
  onOrderCreated: () => void;
}

const DEFAULT_PAGE_SIZE = 20;

function view(order: Order) {
  return {
    id: order.id,
    customerId: order.customerId,
    items: order.items,
    status: order.status,
    result: order.result,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    processedAt: order.processedAt?.toISOString() ?? null,
  };
}

/** The orders API; request and reply types come from the route schemas (one source of truth). */
export const orderRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: OrderRoutesOptions;
}> = async (app, { orders, ordersCreated, onOrderCreated }) => {
  app.post(
    '/orders',
    { schema: { body: createOrderBody, headers: createOrderHeaders, response: orderResponse } },
    async (request, reply) => {
      const { order, replayed } = await placeOrder(
        orders,
        request.body,
        request.headers['idempotency-key'],
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      else {
        ordersCreated.inc();
        onOrderCreated();
      }
      return reply.code(202).header('location', `/orders/${order.id}`).send(view(order));
    },
  );

  app.get(
    '/orders/:id',
    { schema: { params: orderParams, response: orderResponse } },
    async (request) => {
      const order = await orders.findById(request.params.id);
      if (!order) throw new ApiError(404, 'order_not_found', `No order ${request.params.id}`);
      return view(order);
    },
  );

  app.get(
    '/orders',
    { schema: { querystring: listOrdersQuery, response: orderListResponse } },
    async (request) => {
      const { status, cursor } = request.query;
      const limit = request.query.limit ? Number(request.query.limit) : DEFAULT_PAGE_SIZE;
      // One extra row says whether another page follows, without a count query.
      const page = await orders.list({
        ...(status && { status }),
        ...(cursor && { before: decodeCursor(cursor) }),
        limit: limit + 1,
      });
      const shown = page.slice(0, limit);
      const last = shown.at(-1);
      return {
        orders: shown.map(view),
        nextCursor: page.length > limit && last ? encodeCursor(last.seq) : null,
      };
    },
  );
};
