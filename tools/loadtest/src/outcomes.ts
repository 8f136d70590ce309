// What the load produced, second by second: every response's latency and every failure by kind.
// Kept per second so the live view, the summary, the CSV and the chart all read the same numbers.

export interface Second {
  /** Whole seconds since the run started. */
  at: number;
  /** Responses of any status completed in this second. */
  responses: number;
  /** Latencies (ms) of those responses. */
  latencies: number[];
  /** Failures by kind: `HTTP 503`, `timeout`, `connection ECONNREFUSED`. */
  errors: Map<string, number>;
}

/** A 2xx or 3xx answer is a success; anything else is an error of kind `HTTP <status>`. */
export const httpErrorKind = (status: number) =>
  status >= 200 && status < 400 ? undefined : `HTTP ${status}`;

/** autocannon reports timeouts as plain errors: name them apart from refused or reset connections. */
export function requestErrorKind(error: Error & { code?: string }): string {
  if (/timed out/i.test(error.message)) return 'timeout';
  return `connection ${error.code ?? error.message}`;
}

export class Outcomes {
  readonly seconds: Second[] = [];

  constructor(private readonly startedAt = performance.now()) {}

  /** Seconds since the run started (fractional). */
  elapsed(now = performance.now()): number {
    return (now - this.startedAt) / 1000;
  }

  private second(now = performance.now()): Second {
    const at = Math.floor(this.elapsed(now));
    while (this.seconds.length <= at) {
      this.seconds.push({
        at: this.seconds.length,
        responses: 0,
        latencies: [],
        errors: new Map(),
      });
    }
    return this.seconds[at]!;
  }

  response(status: number, latencyMs: number, now?: number): void {
    const second = this.second(now);
    second.responses += 1;
    second.latencies.push(latencyMs);
    const kind = httpErrorKind(status);
    if (kind) second.errors.set(kind, (second.errors.get(kind) ?? 0) + 1);
  }

  error(kind: string, now?: number): void {
    const second = this.second(now);
    second.errors.set(kind, (second.errors.get(kind) ?? 0) + 1);
  }

  /** Makes sure the timeline reaches `now` even when nothing answered (a stalled target). */
  touch(now?: number): Second {
    return this.second(now);
  }
}

export interface Totals {
  seconds: number;
  responses: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: Map<string, number>;
}

/** The nearest-rank percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Totals over `seconds`, whose span is `duration` seconds (a stage may end mid-second). */
export function totals(seconds: Second[], duration: number): Totals {
  const latencies = seconds.flatMap((second) => second.latencies).sort((a, b) => a - b);
  const errors = new Map<string, number>();
  for (const second of seconds) {
    for (const [kind, count] of second.errors) errors.set(kind, (errors.get(kind) ?? 0) + count);
  }
  return {
    seconds: duration,
    responses: latencies.length,
    requestsPerSecond: duration > 0 ? latencies.length / duration : 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

export const errorCount = (errors: Map<string, number>) =>
  [...errors.values()].reduce((sum, count) => sum + count, 0);
