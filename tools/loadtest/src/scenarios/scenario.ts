// What every scenario declares: where its project listens, the load shape, the requests, and
// optionally work after the load (following what the load started).
import type autocannon from 'autocannon';
import type { Peak, StageShape } from '../stages.js';

export interface AfterLoad {
  target: string;
  /** Upper bound for the work after the load, in seconds. */
  limitSeconds: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface AfterLoadResult {
  /** Lines for the summary. */
  lines: string[];
  /** False when the scenario's promise failed (an accepted order never processed). */
  ok: boolean;
}

export interface ScenarioRun {
  /** The requests each connection cycles through, in order. */
  requests: autocannon.Request[];
  afterLoad?: (context: AfterLoad) => Promise<AfterLoadResult>;
}

export interface Scenario {
  name: string;
  description: string;
  /** The variable that overrides `defaultTarget` (the compose file sets it to a service name). */
  targetVariable: string;
  /** The compose stack's published port, also what `kubectl port-forward` gives by default. */
  defaultTarget: string;
  stages: StageShape[];
  peak: Peak;
  /** Fresh state for one run. */
  prepare(): ScenarioRun;
}
