/** A dependency the app needs; `critical: false` reports it without making the pod unready. */
export interface DependencyCheck {
  name: string;
  check: (signal: AbortSignal) => Promise<unknown>;
  timeoutMs?: number;
  critical?: boolean;
  /** Report what `check` resolves with as `details` in its result (keep it small and free of secrets). */
  reportDetails?: boolean;
}

export interface CheckResult {
  status: 'ok' | 'fail';
  critical: boolean;
  durationMs: number;
  error?: string;
  /** What the check resolved with, when it sets `reportDetails`. */
  details?: unknown;
}

export interface ReadinessReport {
  /** `ok` and `degraded` (a non-critical check failed) answer 200; the others 503. */
  status: 'ok' | 'degraded' | 'fail' | 'starting' | 'draining';
  checks: Record<string, CheckResult>;
}

export interface HealthOptions {
  checks?: DependencyCheck[];
  /** Per-check timeout when a check sets none. */
  timeoutMs?: number;
}

/**
 * The pod's health as Kubernetes probes see it. Liveness answers from memory only (a database
 * outage must not restart every pod); readiness runs the dependency checks concurrently, each
 * bounded by its timeout; startup holds until the app says it has started.
 */
export class Health {
  #started = false;
  #draining = false;
  readonly #checks: DependencyCheck[];
  readonly #timeoutMs: number;

  constructor({ checks = [], timeoutMs = 1000 }: HealthOptions = {}) {
    this.#checks = [...checks];
    this.#timeoutMs = timeoutMs;
  }

  /** Call once the app can serve (connections made, model warm...). */
  markStarted(): void {
    this.#started = true;
  }

  /** Call when shutting down: readiness fails so endpoints stop sending new traffic. */
  markDraining(): void {
    this.#draining = true;
  }

  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  startup(): { status: 'ok' | 'starting' } {
    return { status: this.#started ? 'ok' : 'starting' };
  }

  async readiness(): Promise<ReadinessReport> {
    const results = await Promise.all(this.#checks.map((check) => this.#run(check)));
    const checks = Object.fromEntries(this.#checks.map((check, i) => [check.name, results[i]!]));
    const failed = results.filter((result) => result.status === 'fail');
    let status: ReadinessReport['status'];
    if (this.#draining) status = 'draining';
    else if (!this.#started) status = 'starting';
    else if (failed.some((result) => result.critical)) status = 'fail';
    else status = failed.length > 0 ? 'degraded' : 'ok';
    return { status, checks };
  }

  async #run({
    check,
    timeoutMs = this.#timeoutMs,
    critical = true,
    reportDetails = false,
  }: DependencyCheck): Promise<CheckResult> {
    const start = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const details: unknown = await Promise.race([check(controller.signal), timeout]);
      const result: CheckResult = { status: 'ok', critical, durationMs: elapsed(start) };
      if (reportDetails && details !== undefined) result.details = details;
      return result;
    } catch (error) {
      return { status: 'fail', critical, durationMs: elapsed(start), error: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

export function isReady(report: ReadinessReport): boolean {
  return report.status === 'ok' || report.status === 'degraded';
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}
