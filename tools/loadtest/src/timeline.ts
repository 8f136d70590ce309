// The run second by second, as the CSV and the chart show it: load and replicas side by side.
import type { HpaSample } from './kube/hpa.js';
import { errorCount, percentile, type Second } from './outcomes.js';

export interface TimelineRow {
  second: number;
  requestsPerSecond: number;
  /** Undefined in a second without responses. */
  p99?: number;
  errors: number;
  /** Replicas per HPA as last seen by the end of this second (undefined before the first look). */
  replicas: Map<string, number | undefined>;
}

export function timeline(seconds: Second[], hpaSamples: HpaSample[]): TimelineRow[] {
  const names = [...new Set(hpaSamples.map((s) => s.name))].sort();
  const lastSample = Math.max(0, ...hpaSamples.map((s) => Math.ceil(s.at)));
  const length = Math.max(seconds.length, lastSample);
  const sorted = [...hpaSamples].sort((a, b) => a.at - b.at);
  return Array.from({ length }, (_, second) => {
    const outcome = seconds[second];
    const latencies = [...(outcome?.latencies ?? [])].sort((a, b) => a - b);
    const replicas = new Map<string, number | undefined>();
    for (const name of names) {
      const seen = sorted.filter((s) => s.name === name && s.at < second + 1).pop();
      replicas.set(name, seen?.current);
    }
    return {
      second,
      requestsPerSecond: outcome?.responses ?? 0,
      p99: latencies.length > 0 ? percentile(latencies, 99) : undefined,
      errors: outcome ? errorCount(outcome.errors) : 0,
      replicas,
    };
  });
}
