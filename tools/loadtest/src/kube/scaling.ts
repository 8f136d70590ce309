// From the HPA samples of a run to what each autoscaler did: did it scale up after the load
// started, did it come back down after the load ended, and how long each took.
import type { HpaSample } from './hpa.js';

export interface LoadWindow {
  /** Seconds since the run started. */
  start: number;
  end: number;
}

export interface Scaling {
  name: string;
  /** Replicas when the load started (the last sample before it, else the first one). */
  baseline: number;
  peak: number;
  /** Seconds from the load's start to the first sample above the baseline. */
  upAfter?: number;
  /** Seconds from the load's start to the first sample at the peak. */
  peakAfter?: number;
  /** Seconds from the load's end to the first sample back at the baseline after the peak. */
  downAfter?: number;
  /** Replicas in the last sample. */
  last: number;
  /** Seconds from the load's end to the last sample. */
  watchedAfter: number;
}

export function scalingOf(samples: HpaSample[], load: LoadWindow): Scaling[] {
  const byName = new Map<string, HpaSample[]>();
  for (const sample of [...samples].sort((a, b) => a.at - b.at)) {
    byName.set(sample.name, [...(byName.get(sample.name) ?? []), sample]);
  }
  return [...byName].map(([name, series]) => {
    const before = series.filter((s) => s.at <= load.start).pop() ?? series[0]!;
    const baseline = before.current;
    const during = series.filter((s) => s.at >= before.at);
    const peak = Math.max(...during.map((s) => s.current));
    const up = during.find((s) => s.current > baseline);
    const top = during.find((s) => s.current === peak);
    const down = up && top && during.find((s) => s.at > top.at && s.current <= baseline);
    const last = series[series.length - 1]!;
    return {
      name,
      baseline,
      peak,
      upAfter: up && up.at - load.start,
      peakAfter: up && top && top.at - load.start,
      downAfter: down && down.at - load.end,
      last: last.current,
      watchedAfter: last.at - load.end,
    };
  });
}

const seconds = (value: number) => `${Math.round(value)} s`;
const replicas = (count: number) => `${count} replica${count === 1 ? '' : 's'}`;

/** One sentence per autoscaler for the end of the run. */
export function describeScaling(s: Scaling): string {
  if (s.upAfter === undefined)
    return `${s.name}: stayed at ${replicas(s.baseline)} (did not scale up)`;
  const up =
    `${s.name}: scaled up ${s.baseline} → ${s.peak} replicas, the first ${seconds(s.upAfter)} ` +
    `after the load started, the peak after ${seconds(s.peakAfter ?? s.upAfter)}`;
  if (s.downAfter === undefined) {
    return `${up}; did not scale back down: ${replicas(s.last)} ${seconds(s.watchedAfter)} after the load ended`;
  }
  const when =
    s.downAfter >= 0
      ? `${seconds(s.downAfter)} after the load ended`
      : `${seconds(-s.downAfter)} before the load ended`;
  return `${up}; back down to ${replicas(s.baseline)} ${when}`;
}

/** One line for each expected autoscaler that did not scale up and back down (none: all did). */
export function unmetExpectations(scalings: Scaling[], expected: string[]): string[] {
  return expected.flatMap((name) => {
    const s = scalings.find((scaling) => scaling.name === name);
    if (!s) return [`expected ${name} to scale, but no such autoscaler was watched`];
    if (s.upAfter === undefined || s.downAfter === undefined)
      return [`expected ${name} to scale up and back down: ${describeScaling(s)}`];
    return [];
  });
}
