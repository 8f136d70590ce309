// The HTTP API in process against a real PostgreSQL: validation, error shapes, idempotency,
// pagination, and that each order commits together with its outbox message.
import { tapExchange, waitFor } from '@taller/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderCreatedV1 } from '../src/messages/orderCreated.js';
import { OrderRepository } from '../src/orders/orderRepository.js';
import { startTestApp } from './support/app.js';
import { migratedDatabase, type MigratedDatabase } from './support/database.js';
import { orderBody, postOrder } from './support/orders.js';

let db: MigratedDatabase;
let app: Awaited<ReturnType<typeof startTestApp>>;
let url: string;
let tap: Awaited<ReturnType<typeof tapExchange>>;
const BODY_LIMIT = 4096;

beforeAll(async () => {
  db = await migratedDatabase();
  // Polling once a minute: a message published at once was sent because its order woke the relay.
  app = await startTestApp(db.database.url, {
    JSON_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    OUTBOX_POLL_INTERVAL_MS: '60000',
  });
  url = app.url;
  tap = await tapExchange(app.names.exchange, ['order.created']);
});

afterAll(async () => {
  await tap?.close();
  await app?.close();
  await db?.close();
});

async function send(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}${path}`, { method, body, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Body,
  };
}

interface OrderView {
  id: string;
  status: string;
  result: unknown;
}

/** What the API answers with, loosely: an error, an order, a page of orders or a probe report. */
interface Body extends Partial<OrderView> {
  error?: { code: string; message: string; details: unknown };
  orders?: OrderView[];
  nextCursor?: string | null;
  checks?: Record<string, { status: string }>;
}

function expectError(response: { status: number; body: Body }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(Object.keys(response.body)).toEqual(['error']);
  expect(Object.keys(response.body.error!).sort()).toEqual(['code', 'details', 'message']);
  expect(response.body.error).toMatchObject({ code, message: expect.any(String) as string });
}

describe('POST /orders', () => {
  it('stores the order and its order.created message together, answers 202 with a Location, and publishes at once', async () => {
    const response = await postOrder(url, orderBody(1));
    expect(response.status).toBe(202);
    const id = response.body.id as string;
    expect(response.headers.get('location')).toBe(`/orders/${id}`);
    expect(response.body).toMatchObject({
      status: 'pending',
      result: null,
      customerId: 'customer-1',
    });
    const { rows } = await db.pool.query<{
      payload: unknown;
      routing_key: string;
      sent_at: Date | null;
    }>(`SELECT payload, routing_key, sent_at FROM outbox WHERE payload->>'orderId' = $1`, [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.routing_key).toBe('order.created');
    const message = orderCreatedV1.parse(rows[0]!.payload);
    expect(message).toMatchObject({
      orderId: id,
      customerId: 'customer-1',
      items: orderBody(1).items,
    });

    // The new order woke the relay: its message went out well before the next poll.
    await waitFor('the message published', () => tap.bodies().some((body) => body.orderId === id));

    const fetched = await send('GET', `/orders/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
  });

  it('returns the first order for a retried Idempotency-Key and rejects the key with another body', async () => {
    const first = await postOrder(url, orderBody(2), 'retry-key-1');
    const again = await postOrder(url, orderBody(2), 'retry-key-1');
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/orders/${first.body.id as string}`);

    const other = await postOrder(url, orderBody(3), 'retry-key-1');
    expectError(other, 422, 'idempotency_key_reused');
    const { rows } = await db.pool.query(
      `SELECT 1 FROM orders WHERE idempotency_key = 'retry-key-1'`,
    );
    expect(rows).toHaveLength(1);
  });

  it('creates exactly one order (and one message) for 20 concurrent POSTs with one Idempotency-Key', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postOrder(url, orderBody(4), 'concurrent-key')),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(202));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(
      responses.filter((response) => !response.headers.has('idempotent-replayed')),
    ).toHaveLength(1);
    const { rows } = await db.pool.query<{ orders: number; messages: number }>(
      `SELECT (SELECT count(*)::int FROM orders WHERE idempotency_key = 'concurrent-key') AS orders,
              (SELECT count(*)::int FROM outbox WHERE payload->>'orderId' = $1) AS messages`,
      [responses[0]!.body.id],
    );
    expect(rows[0]).toEqual({ orders: 1, messages: 1 });
  });
});

describe('bad input', () => {
  const json = { 'content-type': 'application/json' };
  const valid = JSON.stringify(orderBody(5));

  it.each([
    ['malformed JSON', '{"customerId": "c1", "items": [', json, 400, 'invalid_json'],
    ['an empty JSON body', '', json, 400, 'invalid_json'],
    ['a JSON array', '[]', json, 400, 'invalid_body'],
    ['JSON null', 'null', json, 400, 'invalid_body'],
    [
      'prototype poisoning',
      '{"__proto__": {"admin": true}, "customerId": "c", "items": []}',
      json,
      400,
      'invalid_json',
    ],
    ['text/plain', valid, { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    [
      'form encoding',
      'customerId=c1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
    [
      'a body over the limit',
      JSON.stringify({ ...orderBody(5), pad: 'x'.repeat(BODY_LIMIT) }),
      json,
      413,
      'payload_too_large',
    ],
    [
      'an overlong Idempotency-Key',
      valid,
      { ...json, 'idempotency-key': 'k'.repeat(256) },
      400,
      'invalid_headers',
    ],
    [
      'an Idempotency-Key with spaces',
      valid,
      { ...json, 'idempotency-key': 'two words' },
      400,
      'invalid_headers',
    ],
  ])('rejects %s', async (_name, body, headers, status, code) => {
    expectError(await send('POST', '/orders', body, headers), status, code);
  });

  it.each([
    ['no items', { customerId: 'c1', items: [] }, 'items', 'minItems'],
    ['a missing customer', { items: [{ sku: 'A', quantity: 1 }] }, 'customerId', 'required'],
    [
      'a quantity sent as a string',
      { customerId: 'c1', items: [{ sku: 'A', quantity: '2' }] },
      'items.0.quantity',
      'type',
    ],
    [
      'a fractional quantity',
      { customerId: 'c1', items: [{ sku: 'A', quantity: 1.5 }] },
      'items.0.quantity',
      'type',
    ],
    [
      'a zero quantity',
      { customerId: 'c1', items: [{ sku: 'A', quantity: 0 }] },
      'items.0.quantity',
      'minimum',
    ],
    [
      'a SKU with control characters',
      { customerId: 'c1', items: [{ sku: 'A\u0000B', quantity: 1 }] },
      'items.0.sku',
      'pattern',
    ],
    ['an unknown field', { ...orderBody(5), coupon: 'FREE' }, 'coupon', 'unknown_field'],
    [
      '101 items',
      { customerId: 'c1', items: Array(101).fill({ sku: 'A', quantity: 1 }) },
      'items',
      'maxItems',
    ],
  ])('names the field for %s', async (_name, body, field, code) => {
    const response = await send('POST', '/orders', JSON.stringify(body), json);
    expectError(response, 400, 'invalid_body');
    expect(response.body.error!.details).toContainEqual({
      field,
      code,
      message: expect.any(String) as string,
    });
  });

  it.each([
    ['a malformed order id', '/orders/not-a-uuid', 400, 'invalid_params'],
    ['an unknown order id', '/orders/1b4e28ba-2fa1-41d2-883f-0016d3cca427', 404, 'order_not_found'],
    ['an unknown route', '/nothing/here', 404, 'not_found'],
    ['an unknown status', '/orders?status=shipped', 400, 'invalid_query'],
    ['a zero limit', '/orders?limit=0', 400, 'invalid_query'],
    ['a limit over 100', '/orders?limit=101', 400, 'invalid_query'],
    ['an unknown query parameter', '/orders?stauts=pending', 400, 'invalid_query'],
    [
      'a forged cursor',
      `/orders?cursor=${Buffer.from('o:1; DROP').toString('base64url')}`,
      400,
      'invalid_cursor',
    ],
  ])('rejects %s', async (_name, path, status, code) => {
    expectError(await send('GET', path), status, code);
  });

  it.each([
    ['a path that is not percent-encoding', '/orders/%ZZ', 400, 'invalid_path'],
    ['a path parameter over the length limit', `/orders/${'a'.repeat(101)}`, 414, 'uri_too_long'],
  ])(
    'answers %s (the router fails) in the error shape, with the request id',
    async (_name, path, status, code) => {
      const response = await fetch(`${url}${path}`, { headers: { 'x-request-id': 'router-1' } });
      expectError({ status: response.status, body: (await response.json()) as Body }, status, code);
      expect(response.headers.get('x-request-id')).toBe('router-1');
    },
  );

  it('never answers a fuzzed body with a 5xx, and every rejection has the error shape', async () => {
    const nearlyValid = fc.record(
      {
        customerId: fc.oneof(
          fc.string(),
          fc.integer(),
          fc.constant(null),
          fc.stringMatching(/^[A-Za-z0-9]{1,64}$/),
        ),
        items: fc.oneof(
          fc.array(
            fc.record(
              {
                sku: fc.oneof(
                  fc.string({ maxLength: 80 }),
                  fc.stringMatching(/^[A-Z][A-Z0-9-]{0,20}$/),
                  fc.integer(),
                ),
                quantity: fc.oneof(
                  fc.integer({ min: -5, max: 1005 }),
                  fc.double(),
                  fc.string(),
                  fc.constant(null),
                ),
                extra: fc.anything(),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      nearlyValid.map((value) => JSON.stringify(value)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 200 }),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/xml',
    );
    const key = fc.option(
      fc.string({ minLength: 1, maxLength: 300 }).filter((value) => /^[\x20-\x7e]+$/.test(value)),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, key, async (payload, type, idempotencyKey) => {
        const headers: Record<string, string> = { 'content-type': type };
        if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
        const response = await send('POST', '/orders', payload, headers);
        expect(response.status).toBeLessThan(500);
        if (response.status === 202) expect(response.body.status).toBe('pending');
        else {
          expect([400, 413, 415, 422]).toContain(response.status);
          expect(Object.keys(response.body.error!).sort()).toEqual(['code', 'details', 'message']);
        }
      }),
      { numRuns: 250 },
    );
  });
});

describe('GET /orders', () => {
  it('pages through every order newest first, and filters by status', async () => {
    const orders = new OrderRepository(db.pool);
    const created: string[] = [];
    for (let n = 0; n < 7; n += 1)
      created.push((await postOrder(url, orderBody(100 + n))).body.id as string);
    const totals = {
      totals: {
        currency: 'EUR',
        subtotalCents: 100,
        taxCents: 21,
        shippingCents: 0,
        totalCents: 121,
      },
    };
    for (const id of created.slice(0, 3))
      await orders.applyResult({
        id,
        status: 'processed',
        result: totals,
        processedAt: new Date(),
      });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await send('GET', `/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.orders!.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.orders!.map((order) => order.id));
      cursor = page.body.nextCursor ?? null;
    } while (cursor);
    const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM orders ORDER BY seq DESC');
    expect(seen).toEqual(rows.map((row) => row.id));

    const processed = await send('GET', '/orders?status=processed&limit=100');
    expect(processed.body.orders!.map((order) => order.id)).toEqual(created.slice(0, 3).reverse());
    expect(processed.body.orders![0]).toMatchObject({ status: 'processed', result: totals });
    expect(processed.body.nextCursor).toBeNull();
  });
});

describe('probes and metrics', () => {
  it('serves /livez, /readyz with the database check, and the order metrics', async () => {
    expect((await send('GET', '/livez')).status).toBe(200);
    const ready = await send('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks?.database?.status).toBe('ok');
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^order_service_orders_created_total [1-9]/m);
    expect(text).toMatch(
      /^http_requests_total\{method="POST",route="\/orders",status_code="202"\}/m,
    );
  });
});

describe('overload', () => {
  it('answers 503 overloaded with Retry-After past the write queue bound, and keeps every 202', async () => {
    const narrow = await startTestApp(db.database.url, {
      DATABASE_WRITE_BATCH_MAX: '1',
      DATABASE_WRITE_CONCURRENCY: '1',
      DATABASE_WRITE_QUEUE_MAX: '2',
    });
    try {
      const narrowUrl = narrow.url;
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, n) => postOrder(narrowUrl, orderBody(n))),
      );
      const refused = replies.filter((reply) => reply.status === 503);
      const accepted = replies.filter((reply) => reply.status === 202);
      expect(refused.length + accepted.length).toBe(replies.length);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.body).toMatchObject({ error: { code: 'overloaded' } });
      expect(refused[0]!.headers.get('retry-after')).toBe('1');
      const ids = accepted.map((reply) => reply.body.id as string);
      const { rows } = await db.pool.query('SELECT id FROM orders WHERE id = ANY($1)', [ids]);
      expect(rows).toHaveLength(ids.length);
    } finally {
      await narrow.close();
    }
  });
});
