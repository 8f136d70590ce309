// JSON Schemas for the order routes: Fastify validates requests with them (Ajv, no coercion of
// body types, unknown fields rejected) and serializes responses with them.

const sku = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
} as const;

const customerId = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]*$',
} as const;

const uuid = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;

export const ORDER_STATUSES = ['pending', 'processed', 'failed'] as const;

const item = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'quantity'],
  properties: { sku, quantity: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;

export const createOrderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['customerId', 'items'],
  properties: {
    customerId,
    items: { type: 'array', minItems: 1, maxItems: 100, items: item },
  },
} as const;

export const createOrderHeaders = {
  type: 'object',
  properties: {
    // Printable ASCII without spaces: a UUID or any client-chosen token.
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
    },
  },
} as const;

export const orderParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: uuid },
} as const;

export const listOrdersQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ORDER_STATUSES },
    // A string because query values are not coerced: 1 to 100.
    limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$' },
    cursor: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

const order = {
  type: 'object',
  required: [
    'id',
    'customerId',
    'items',
    'status',
    'result',
    'createdAt',
    'updatedAt',
    'processedAt',
  ],
  properties: {
    id: { type: 'string' },
    customerId: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, quantity: { type: 'integer' } },
      },
    },
    status: { type: 'string', enum: ORDER_STATUSES },
    result: { type: ['object', 'null'], additionalProperties: true },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    processedAt: { type: ['string', 'null'] },
  },
} as const;

const error = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

export const orderResponse = { 200: order, 202: order, '4xx': error, '5xx': error } as const;

export const orderListResponse = {
  200: {
    type: 'object',
    required: ['orders', 'nextCursor'],
    properties: {
      orders: { type: 'array', items: order },
      nextCursor: { type: ['string', 'null'] },
    },
  },
  '4xx': error,
  '5xx': error,
} as const;
