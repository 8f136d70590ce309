import { classifyDatabaseError, databaseError } from '@taller/postgres';
import { fastifyFrameworkErrors } from '@taller/telemetry';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifySchemaValidationError,
} from 'fastify';
import { WriteQueueFullError } from '../db/writeBatcher.js';
import { ApiError, type FieldProblem } from './apiError.js';

const PART_CODE: Record<string, string> = {
  body: 'invalid_body',
  querystring: 'invalid_query',
  params: 'invalid_params',
  headers: 'invalid_headers',
};

const PART_NAME: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path',
  headers: 'request headers',
};

function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: unknown = null,
) {
  return reply.code(status).send({ error: { code, message, details } });
}

/** Fastify options: router failures (`GET /orders/%ZZ`) in the same shape as every other error. */
export const routerErrors = fastifyFrameworkErrors((reply, { status, code, message }) =>
  sendError(reply, status, code, message),
);

/** Ajv's errors as fields a client can fix: `items.0.quantity`, with unknown fields named. */
function fieldProblems(errors: FastifySchemaValidationError[]): FieldProblem[] {
  return errors.map((error) => {
    const at = error.instancePath.split('/').filter(Boolean);
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    if (params.additionalProperty !== undefined) {
      return {
        field: [...at, params.additionalProperty].join('.'),
        code: 'unknown_field',
        message: 'Unknown field',
      };
    }
    if (params.missingProperty !== undefined) {
      return {
        field: [...at, params.missingProperty].join('.'),
        code: 'required',
        message: 'Required',
      };
    }
    return { field: at.join('.'), code: error.keyword, message: error.message ?? 'Invalid value' };
  });
}

/**
 * Every error leaves as `{"error": {"code", "message", "details"}}`: schema violations and
 * unparseable bodies as 400, oversized bodies as 413, other media types as 415, unknown routes
 * as 404; a database outage or a full write queue as 503 (retryable); anything unexpected as 500 without internals.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      'not_found',
      `No route for ${request.method} ${request.url.split('?')[0]}`,
    ),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError)
      return sendError(reply, error.status, error.code, error.message, error.details);
    if (error instanceof WriteQueueFullError) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
      return sendError(reply, 503, 'overloaded', error.message);
    }
    if (error.validation) {
      const part = error.validationContext ?? 'body';
      return sendError(
        reply,
        400,
        PART_CODE[part] ?? 'invalid_request',
        `The ${PART_NAME[part] ?? 'request'} is invalid`,
        fieldProblems(error.validation),
      );
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'payload_too_large', 'The request body is too large');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'unsupported_media_type', 'Send the body as application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'invalid_json', 'The request body is empty');
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Malformed JSON (including prototype-poisoning keys), bad Content-Length and the like.
      const code =
        error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'invalid_json'
          : 'bad_request';
      return sendError(
        reply,
        status,
        code,
        code === 'invalid_json' ? 'The request body is not valid JSON' : error.message,
      );
    }
    switch (classifyDatabaseError(error)) {
      case 'unavailable':
        request.log.warn({ err: databaseError(error) }, 'database unavailable');
        void reply.header('retry-after', '1');
        return sendError(
          reply,
          503,
          'service_unavailable',
          'The order store is unavailable; retry shortly',
        );
      case 'rejected':
        request.log.info({ err: databaseError(error) }, 'the database refused a value');
        return sendError(
          reply,
          400,
          'invalid_value',
          'The order store refused a value of this request',
        );
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal_error', 'Internal server error');
  });
}
