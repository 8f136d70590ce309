// One invocation: the scenarios in turn, the autocannon load and the live view, the autoscalers
// followed (--watch) through the load and a bounded cooldown, then the summaries, the scaling
// report and the timeline files. Returns the exit code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { timelineCsv } from './csv.js';
import { describeScaling, scalingOf, unmetExpectations, type LoadWindow } from './kube/scaling.js';
import { ClusterWatch } from './kube/watch.js';
import { targetOf, type Options } from './options.js';
import { Outcomes } from './outcomes.js';
import { Progress } from './progress.js';
import { runStages } from './runStages.js';
import type { Scenario } from './scenarios/scenario.js';
import { scaleStages } from './stages.js';
import { scenarioTotals, summary } from './summary.js';
import { timelineSvg, type Marker } from './svg.js';
import { timeline } from './timeline.js';

export interface Io {
  out: { write(text: string): unknown };
  tty: boolean;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C or SIGTERM: the load stops, the report is still written. */
  signal: AbortSignal;
}

/** What one invocation shares between its steps: the outcomes, the live view, the phase shown. */
class Session {
  readonly outcomes = new Outcomes();
  readonly progress: Progress;
  readonly markers: Marker[] = [];
  readonly load: LoadWindow;
  phase = { label: 'starting', started: 0, seconds: 0 };
  failed = false;

  constructor(
    readonly options: Options,
    readonly io: Io,
  ) {
    this.progress = new Progress(io.out, io.tty);
    this.load = { start: this.outcomes.elapsed(), end: 0 };
  }

  log(line: string) {
    this.progress.log(`[${String(Math.floor(this.outcomes.elapsed())).padStart(4)}s] ${line}`);
  }

  enter(label: string, seconds: number) {
    this.phase = { label, started: this.outcomes.elapsed(), seconds };
  }
}

export async function runLoad(options: Options, io: Io): Promise<number> {
  const session = new Session(options, io);
  const watch = options.watch
    ? new ClusterWatch(
        options.namespace,
        () => session.outcomes.elapsed(),
        (line) => session.log(line),
      )
    : undefined;
  if (watch) {
    session.progress.log(`watching HPAs and ScaledObjects in namespace ${options.namespace}`);
    await watch.start();
  }
  const ticker = startTicker(session, watch);
  try {
    for (const scenario of options.scenarios) {
      if (io.signal.aborted) break;
      await runScenario(session, scenario);
    }
    if (watch && !io.signal.aborted) await coolDown(session, watch);
  } finally {
    clearInterval(ticker);
    watch?.stop();
    session.progress.finish();
  }
  report(session, watch);
  return session.failed ? 1 : 0;
}

/** The live view's line, once a second: the last second's outcomes and the totals so far. */
function startTicker(session: Session, watch?: ClusterWatch) {
  const { outcomes, progress } = session;
  let responses = 0;
  const errors = new Map<string, number>();
  return setInterval(() => {
    const last = outcomes.seconds[Math.floor(outcomes.elapsed()) - 1];
    outcomes.touch();
    responses += last?.responses ?? 0;
    for (const [kind, n] of last?.errors ?? []) errors.set(kind, (errors.get(kind) ?? 0) + n);
    progress.tick({
      phase: session.phase.label,
      elapsed: outcomes.elapsed(),
      phaseElapsed: outcomes.elapsed() - session.phase.started,
      phaseSeconds: session.phase.seconds,
      last,
      responses,
      errors,
      hpas: [...(watch?.latest.values() ?? [])],
    });
  }, 1000);
}

/** One scenario's stages, then what its load started (orders followed), then its summary. */
async function runScenario(session: Session, scenario: Scenario) {
  const { options, io, outcomes } = session;
  const target = targetOf(scenario, options, io.env);
  const stages = scaleStages(scenario.stages, options.duration, {
    connections: options.connections ?? scenario.peak.connections,
    rate: options.rate ?? scenario.peak.rate,
  });
  const run = scenario.prepare();
  session.log(`${scenario.name} against ${target}: ${scenario.description}`);
  const results = await runStages({
    target,
    stages,
    requests: run.requests,
    timeoutSeconds: options.timeout,
    outcomes,
    signal: io.signal,
    onStage: (stage, index) => {
      const rate = stage.rate > 0 ? `${stage.rate} req/s` : 'no rate cap';
      const label = `${scenario.name} ${index + 1}/${stages.length} ${stage.name} (${stage.connections} conns, ${rate})`;
      session.log(`${label}, ${stage.seconds.toFixed(1)} s`);
      session.markers.push({ at: outcomes.elapsed(), label: stage.name });
      session.enter(label, stage.seconds);
    },
  });
  session.load.end = outcomes.elapsed();
  let after: string[] = [];
  if (run.afterLoad && !io.signal.aborted) {
    session.enter(`${scenario.name}: following what the load started`, options.follow);
    const result = await run.afterLoad({
      target,
      limitSeconds: options.follow,
      signal: io.signal,
      log: (line) => session.log(line),
    });
    after = result.lines;
    session.failed ||= !result.ok;
  }
  const reached = scenarioTotals(results).responses > 0;
  session.failed ||= !reached;
  session.progress.log(
    [
      '',
      `${scenario.name} against ${target}`,
      summary(results),
      ...after,
      ...(reached ? [] : [`no response from ${target}`]),
      '',
    ].join('\n'),
  );
}

/** Waits, up to --cooldown, for every autoscaler to scale back down. */
async function coolDown(session: Session, watch: ClusterWatch) {
  const { options, io, outcomes } = session;
  session.enter('cooldown: waiting for the autoscalers to scale back down', options.cooldown);
  const deadline = outcomes.elapsed() + options.cooldown;
  while (outcomes.elapsed() < deadline && !io.signal.aborted && !settled(watch, session.load)) {
    await new Promise((done) => setTimeout(done, 1000));
  }
}

/** The scaling report (failing unmet --expect) and the timeline files. */
function report(session: Session, watch?: ClusterWatch) {
  const { options, outcomes, progress } = session;
  if (watch) {
    const scalings = scalingOf(watch.hpaSamples, session.load);
    const unmet = unmetExpectations(scalings, options.expect);
    session.failed ||= unmet.length > 0;
    const lines = [...scalings.map(describeScaling), ...unmet];
    progress.log(['autoscalers:', ...lines.map((line) => `  ${line}`), ''].join('\n'));
  }
  const rows = timeline(outcomes.seconds, watch?.hpaSamples ?? []);
  const title = `${options.scenarios.map((s) => s.name).join(' + ')}: load and replicas over time`;
  if (options.csv) write(options.csv, timelineCsv(rows), progress);
  const markers = [...session.markers, ...(watch?.rollouts ?? [])];
  if (options.svg) write(options.svg, timelineSvg(rows, title, markers), progress);
}

/** Every HPA back at (or below) its replicas from before the load, and not about to change. */
function settled(watch: ClusterWatch, load: LoadWindow): boolean {
  const baselines = new Map(scalingOf(watch.hpaSamples, load).map((s) => [s.name, s.baseline]));
  return [...watch.latest.values()].every(
    (hpa) => hpa.current <= (baselines.get(hpa.name) ?? 0) && hpa.desired <= hpa.current,
  );
}

function write(file: string, text: string, progress: Progress) {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  progress.log(`wrote ${path}`);
}
