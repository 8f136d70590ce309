export {
  Health,
  isReady,
  type DependencyCheck,
  type CheckResult,
  type ReadinessReport,
  type HealthOptions,
} from './health.js';
export { expressHealthRoutes } from './express.js';
export { fastifyHealthRoutes } from './fastify.js';
export { gracefulShutdown, type ShutdownOptions, type Shutdown } from './shutdown.js';
export { closeApp, urlOf, type Resource, type RunningApp, type StartApp } from './runningApp.js';
export { runServer, type ProcessSettings, type RunServerOptions } from './runServer.js';
export { limitServer, type ServerLimits } from './serverLimits.js';
