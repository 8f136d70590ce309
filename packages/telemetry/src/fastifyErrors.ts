import type {
  FastifyError,
  FastifyInstance,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import { ApiError, errorBody, type FieldProblem } from './apiError.js';
import { fastifyFrameworkErrors } from './fastify.js';

const PARTS: Record<string, { code: string; name: string }> = {
  body: { code: 'invalid_body', name: 'request body' },
  querystring: { code: 'invalid_query', name: 'query string' },
  params: { code: 'invalid_params', name: 'path' },
  headers: { code: 'invalid_headers', name: 'request headers' },
};

// Errors of Fastify's body parsing, each with its own code.
const BODY_ERRORS: Record<string, ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: new ApiError(
    413,
    'payload_too_large',
    'The request body is too large',
  ),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: new ApiError(
    415,
    'unsupported_media_type',
    'Send the body as application/json',
  ),
  FST_ERR_CTP_EMPTY_JSON_BODY: new ApiError(400, 'invalid_json', 'The request body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: new ApiError(
    400,
    'invalid_json',
    'The request body is not valid JSON',
  ),
};

/** `frameworkErrors` for `Fastify(...)`: router failures (`GET /orders/%ZZ`) as an ErrorBody. */
export const fastifyRouterErrors = fastifyFrameworkErrors((reply, { status, code, message }) =>
  reply.code(status).send(errorBody(code, message)),
);

/** Ajv's errors as fields a client can fix, unknown and missing fields named. */
function fieldProblems(errors: FastifySchemaValidationError[]): FieldProblem[] {
  return errors.map((error) => {
    const at = error.instancePath.split('/').filter(Boolean);
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    if (params.additionalProperty !== undefined) {
      const field = [...at, params.additionalProperty].join('.');
      return { field, code: 'unknown_field', message: 'Unknown field' };
    }
    if (params.missingProperty !== undefined) {
      const field = [...at, params.missingProperty].join('.');
      return { field, code: 'required', message: 'Required' };
    }
    return { field: at.join('.'), code: error.keyword, message: error.message ?? 'Invalid value' };
  });
}

/** Fastify's own client errors (schema, body parsing, bad Content-Length...) as ApiErrors. */
function clientError(error: FastifyError): ApiError | undefined {
  if (error.validation) {
    const part = PARTS[error.validationContext ?? 'body'] ?? {
      code: 'invalid_request',
      name: 'request',
    };
    return new ApiError(400, part.code, `The ${part.name} is invalid`, {
      details: fieldProblems(error.validation),
    });
  }
  const known = BODY_ERRORS[error.code];
  if (known) return known;
  // Malformed JSON caught by the parser itself (prototype-poisoning keys included).
  if (error instanceof SyntaxError) return BODY_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY;
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ApiError(status, 'bad_request', error.message);
  return undefined;
}

export interface FastifyApiErrorsOptions {
  /** Turns an app's own errors (a database outage...) into ApiErrors before the generic rules. */
  mapError?: (error: Error, request: FastifyRequest) => ApiError | undefined;
}

/**
 * Every error leaves as an ErrorBody: ApiErrors as they are, schema violations and unparseable
 * bodies as 400, oversized bodies as 413, other media types as 415, unknown routes as 404,
 * anything unexpected as a logged 500 without internals.
 */
export function fastifyApiErrors(app: FastifyInstance, { mapError }: FastifyApiErrorsOptions = {}) {
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError =
      error instanceof ApiError ? error : (mapError?.(error, request) ?? clientError(error));
    if (!apiError) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send(errorBody('internal_error', 'Internal server error'));
    }
    if (apiError.status < 500) request.log.debug({ err: error }, 'client error');
    return reply.code(apiError.status).headers(apiError.headers).send(apiError.body());
  });
}
