import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { buildInfo, type BuildInfo } from './buildInfo.js';

export interface Metrics {
  registry: Registry;
  /** Served as `GET /version` and exported as `build_info`. */
  build: BuildInfo;
  httpRequestsTotal: Counter<'method' | 'route' | 'status_code'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Records one finished HTTP request; `route` must be a template such as `/api/tasks/:id`. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
}

/** Label used for requests that matched no route, so unknown URLs never create new series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * A registry of its own per app instance (tests run several in one process), with Node's default
 * process metrics, the RED metrics every app exports, and `build_info` (always 1, its labels say
 * which version runs: what a dashboard joins on to show a rollout).
 */
export function createMetrics({
  build = buildInfo('unnamed'),
  defaultLabels,
}: { build?: BuildInfo; defaultLabels?: Record<string, string> } = {}): Metrics {
  const registry = new Registry();
  if (defaultLabels) registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'build_info',
    help: 'Always 1; the labels name the service, its version and the Node.js version.',
    labelNames: ['service', 'version', 'node_version'],
    registers: [registry],
  }).set({ service: build.service, version: build.version, node_version: build.node }, 1);
  const labelNames = ['method', 'route', 'status_code'] as const;
  const httpRequestsTotal = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route template and status code.',
    labelNames,
    registers: [registry],
  });
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    build,
    httpRequestsTotal,
    httpRequestDuration,
    observeRequest(method, route, statusCode, seconds) {
      const labels = { method, route, status_code: String(statusCode) };
      httpRequestsTotal.inc(labels);
      httpRequestDuration.observe(labels, seconds);
    },
  };
}
