// The end-of-scenario report: one row per stage and a total, then every error by kind.
import { errorCount, totals } from './outcomes.js';
import type { StageResult } from './runStages.js';
import { ms, table } from './table.js';

/** The scenario's totals: every stage's seconds over the stages' summed duration. */
export const scenarioTotals = (results: StageResult[]) =>
  totals(
    results.flatMap((result) => result.seconds),
    results.reduce((sum, result) => sum + result.totals.seconds, 0),
  );

export function summary(results: StageResult[]): string {
  const all = scenarioTotals(results);
  const rows = results.map(({ stage, totals: t }) => [
    stage.name,
    t.seconds.toFixed(1),
    String(stage.connections),
    stage.rate > 0 ? String(stage.rate) : 'max',
    String(t.responses),
    t.requestsPerSecond.toFixed(1),
    ms(t.p50),
    ms(t.p99),
    String(errorCount(t.errors)),
  ]);
  rows.push([
    'total',
    all.seconds.toFixed(1),
    '',
    '',
    String(all.responses),
    all.requestsPerSecond.toFixed(1),
    ms(all.p50),
    ms(all.p99),
    String(errorCount(all.errors)),
  ]);
  const header = [
    'stage',
    'seconds',
    'conns',
    'rate',
    'responses',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
  ];
  const kinds = [...all.errors].sort(([, a], [, b]) => b - a);
  const errors =
    kinds.length === 0
      ? 'errors: none'
      : `errors by kind: ${kinds.map(([kind, count]) => `${kind} × ${count}`).join(', ')}`;
  return `${table(header, rows)}\n${errors}`;
}
