// The timeline as CSV: one row per second, one replicas column per HPA.
import type { TimelineRow } from './timeline.js';

export function timelineCsv(rows: TimelineRow[]): string {
  const names = [...(rows[0]?.replicas.keys() ?? [])];
  const header = [
    'second',
    'requests_per_second',
    'p99_ms',
    'errors',
    ...names.map((n) => `replicas_${n}`),
  ];
  const lines = rows.map((row) =>
    [
      row.second,
      row.requestsPerSecond,
      row.p99 === undefined ? '' : Number(row.p99.toFixed(1)),
      row.errors,
      ...names.map((name) => row.replicas.get(name) ?? ''),
    ].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}
