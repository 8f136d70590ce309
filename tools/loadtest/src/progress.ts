// The live view. On a terminal: a few lines redrawn in place every second, with events (autoscaler
// changes, follow-up progress) scrolling above them. Elsewhere (CI, a Job's log): plain lines.
import { describeHpa, type HpaSample } from './kube/hpa.js';
import { errorCount, percentile, type Second } from './outcomes.js';
import { ms } from './table.js';

export interface ProgressState {
  /** `fullstack: peak (8 conns, 9 req/s)` or `cooldown`. */
  phase: string;
  elapsed: number;
  /** Seconds this phase may last, for the bar. */
  phaseElapsed: number;
  phaseSeconds: number;
  last?: Second;
  responses: number;
  errors: Map<string, number>;
  hpas: HpaSample[];
}

export class Progress {
  private drawn = 0;

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly tty: boolean,
  ) {}

  /** A line that stays (events, stage changes). */
  log(line: string): void {
    if (this.tty) this.erase();
    this.out.write(`${line}\n`);
    if (this.tty) this.drawn = 0;
  }

  tick(state: ProgressState): void {
    const last = state.last;
    const sorted = [...(last?.latencies ?? [])].sort((a, b) => a - b);
    const now = `${last?.responses ?? 0} req/s  p99 ${ms(percentile(sorted, 99))} ms  errors ${last ? errorCount(last.errors) : 0}`;
    const errors = [...state.errors].map(([kind, count]) => `${kind} × ${count}`).join(', ');
    const clock = `${Math.floor(state.elapsed)}s`.padStart(5);
    if (!this.tty) {
      const replicas = state.hpas.map((h) => `${h.name}=${h.current}`).join(' ');
      this.out.write(`[${clock}] ${state.phase}  ${now}${replicas ? `  | ${replicas}` : ''}\n`);
      return;
    }
    const done = Math.min(1, state.phaseElapsed / Math.max(1, state.phaseSeconds));
    const bar = `[${'#'.repeat(Math.round(done * 20)).padEnd(20, '.')}]`;
    const lines = [
      `${clock} ${bar} ${Math.floor(state.phaseElapsed)}/${Math.round(state.phaseSeconds)}s  ${state.phase}`,
      `      last second: ${now}`,
      `      so far: ${state.responses} responses, errors: ${errors || 'none'}`,
      ...state.hpas.map((hpa) => `      ${describeHpa(hpa)}`),
    ];
    this.erase();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  /** Leaves the last view on screen and the cursor below it. */
  finish(): void {
    this.drawn = 0;
  }

  private erase(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }
}
