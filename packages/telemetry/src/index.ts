export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { buildInfo, type BuildInfo } from './build-info.js';
export {
  createConsumerMetrics,
  type ConsumerMetrics,
  type ConsumerUtilisation,
} from './consumer-utilisation.js';
export { requestIdFrom, REQUEST_ID_HEADER } from './request-id.js';
export { expressTelemetry, expressMetricsHandler, expressVersionHandler } from './express.js';
export {
  fastifyFrameworkErrors,
  fastifyLoggerOptions,
  fastifyTelemetry,
  type RouterFailure,
} from './fastify.js';
export {
  ApiError,
  OverloadedError,
  errorBody,
  type ApiErrorOptions,
  type ErrorBody,
  type FieldProblem,
} from './api-error.js';
export {
  fastifyApiErrors,
  fastifyRouterErrors,
  type FastifyApiErrorsOptions,
} from './fastify-errors.js';
