import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { ApiError } from '../http/apiError.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Order, OrderRepository, OrderStatus } from './orderRepository.js';
import {
  createOrderBody,
  createOrderHeaders,
  listOrdersQuery,
  orderListResponse,
  orderParams,
  orderResponse,
} from './orderSchemas.js';
import { placeOrder, type OrderRequest } from './placeOrder.js';

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

export async function orderRoutes(
  app: FastifyInstance,
  options: OrderRoutesOptions,
): Promise<void> {
  const { orders, ordersCreated, onOrderCreated } = options;

  app.post<{ Body: OrderRequest; Headers: { 'idempotency-key'?: string } }>(
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

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { schema: { params: orderParams, response: orderResponse } },
    async (request) => {
      const order = await orders.findById(request.params.id);
      if (!order) throw new ApiError(404, 'order_not_found', `No order ${request.params.id}`);
      return view(order);
    },
  );

  app.get<{ Querystring: { status?: OrderStatus; limit?: string; cursor?: string } }>(
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
}
