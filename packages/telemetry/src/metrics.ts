import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequestsTotal: Counter<'method' | 'route' | 'status_code'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Records one finished HTTP request; `route` must be a template such as `/api/tasks/:id`. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
}

/** Label used for requests that matched no route, so unknown URLs never create new series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * A registry of its own per app instance (tests run several in one process), with Node's default
 * process metrics and the RED metrics every app exports.
 */
export function createMetrics({
  defaultLabels,
}: { defaultLabels?: Record<string, string> } = {}): Metrics {
  const registry = new Registry();
  if (defaultLabels) registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
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
    httpRequestsTotal,
    httpRequestDuration,
    observeRequest(method, route, statusCode, seconds) {
      const labels = { method, route, status_code: String(statusCode) };
      httpRequestsTotal.inc(labels);
      httpRequestDuration.observe(labels, seconds);
    },
  };
}
