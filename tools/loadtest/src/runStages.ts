// Runs a scenario's stages one after another, one autocannon instance per stage (autocannon has no
// ramps of its own), recording every response and failure into the run's Outcomes.
import autocannon from 'autocannon';
import { Outcomes, requestErrorKind, totals, type Second, type Totals } from './outcomes.js';
import type { Stage } from './stages.js';

export interface StageResult {
  stage: Stage;
  totals: Totals;
  /** The stage's own seconds, counted from its start: the scenario's totals merge them. */
  seconds: Second[];
}

export interface RunOptions {
  target: string;
  stages: Stage[];
  requests: autocannon.Request[];
  /** Seconds a request may take before it counts as a timeout. */
  timeoutSeconds: number;
  outcomes: Outcomes;
  onStage?: (stage: Stage, index: number) => void;
  /** Ends the current stage at once and skips the rest (Ctrl-C). */
  signal?: AbortSignal;
}

export async function runStages(options: RunOptions): Promise<StageResult[]> {
  const results: StageResult[] = [];
  for (const [index, stage] of options.stages.entries()) {
    if (options.signal?.aborted) break;
    options.onStage?.(stage, index);
    results.push(await runStage(options, stage));
  }
  return results;
}

async function runStage(options: RunOptions, stage: Stage): Promise<StageResult> {
  const mine = new Outcomes();
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.target,
        connections: stage.connections,
        overallRate: stage.rate || undefined,
        duration: stage.seconds,
        timeout: options.timeoutSeconds,
        requests: options.requests,
        // autocannon checks its stop flag once per sample: often, so a stage ends on time.
        sampleInt: 100,
        skipAggregateResult: true,
      },
      (error: Error | null) => {
        options.signal?.removeEventListener('abort', stop);
        if (error) reject(error);
        else resolve();
      },
    );
    const stop = () => instance.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    instance.on('response', (_client, status: number, _bytes: number, latency: number) => {
      options.outcomes.response(status, latency);
      mine.response(status, latency);
    });
    instance.on('reqError', (error: Error) => {
      const kind = requestErrorKind(error);
      options.outcomes.error(kind);
      mine.error(kind);
    });
  });
  return { stage, totals: totals(mine.seconds, mine.elapsed()), seconds: mine.seconds };
}
