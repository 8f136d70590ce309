export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { buildInfo, type BuildInfo } from './buildInfo.js';
export {
  createConsumerMetrics,
  type ConsumerMetrics,
  type ConsumerUtilisation,
} from './consumerUtilisation.js';
export { requestIdFrom, REQUEST_ID_HEADER } from './requestId.js';
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
} from './apiError.js';
export {
  fastifyApiErrors,
  fastifyRouterErrors,
  type FastifyApiErrorsOptions,
} from './fastifyErrors.js';
