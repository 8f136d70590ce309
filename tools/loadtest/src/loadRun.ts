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

export async function runLoad(options: Options, io: Io): Promise<number> {
  const outcomes = new Outcomes();
  const progress = new Progress(io.out, io.tty);
  const clock = () => `[${String(Math.floor(outcomes.elapsed())).padStart(4)}s]`;
  const markers: Marker[] = [];
  let phase = { label: 'starting', started: 0, seconds: 0 };
  const enter = (label: string, seconds: number) => {
    phase = { label, started: outcomes.elapsed(), seconds };
  };

  const watch = options.watch
    ? new ClusterWatch(
        options.namespace,
        () => outcomes.elapsed(),
        (line) => progress.log(`${clock()} ${line}`),
      )
    : undefined;
  if (watch) {
    progress.log(`watching HPAs and ScaledObjects in namespace ${options.namespace}`);
    await watch.start();
  }

  let responses = 0;
  const errors = new Map<string, number>();
  const ticker = setInterval(() => {
    const last = outcomes.seconds[Math.floor(outcomes.elapsed()) - 1];
    outcomes.touch();
    responses += last?.responses ?? 0;
    for (const [kind, n] of last?.errors ?? []) errors.set(kind, (errors.get(kind) ?? 0) + n);
    progress.tick({
      phase: phase.label,
      elapsed: outcomes.elapsed(),
      phaseElapsed: outcomes.elapsed() - phase.started,
      phaseSeconds: phase.seconds,
      last,
      responses,
      errors,
      hpas: [...(watch?.latest.values() ?? [])],
    });
  }, 1000);

  let failed = false;
  const load: LoadWindow = { start: outcomes.elapsed(), end: 0 };
  try {
    for (const scenario of options.scenarios) {
      if (io.signal.aborted) break;
      const target = targetOf(scenario, options, io.env);
      const stages = scaleStages(scenario.stages, options.duration, {
        connections: options.connections ?? scenario.peak.connections,
        rate: options.rate ?? scenario.peak.rate,
      });
      const run = scenario.prepare();
      progress.log(`${clock()} ${scenario.name} against ${target}: ${scenario.description}`);
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
          progress.log(`${clock()} ${label}, ${stage.seconds.toFixed(1)} s`);
          markers.push({ at: outcomes.elapsed(), label: stage.name });
          enter(label, stage.seconds);
        },
      });
      load.end = outcomes.elapsed();
      let after: string[] = [];
      if (run.afterLoad && !io.signal.aborted) {
        enter(`${scenario.name}: following what the load started`, options.follow);
        const result = await run.afterLoad({
          target,
          limitSeconds: options.follow,
          signal: io.signal,
          log: (line) => progress.log(`${clock()} ${line}`),
        });
        after = result.lines;
        failed ||= !result.ok;
      }
      const reached = scenarioTotals(results).responses > 0;
      failed ||= !reached;
      progress.log(
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

    if (watch && !io.signal.aborted) {
      enter('cooldown: waiting for the autoscalers to scale back down', options.cooldown);
      const deadline = outcomes.elapsed() + options.cooldown;
      while (outcomes.elapsed() < deadline && !io.signal.aborted && !settled(watch, load)) {
        await new Promise((done) => setTimeout(done, 1000));
      }
    }
  } finally {
    clearInterval(ticker);
    watch?.stop();
    progress.finish();
  }

  if (watch) {
    const scalings = scalingOf(watch.hpaSamples, load);
    const unmet = unmetExpectations(scalings, options.expect);
    failed ||= unmet.length > 0;
    const report = [...scalings.map(describeScaling), ...unmet];
    progress.log(['autoscalers:', ...report.map((line) => `  ${line}`), ''].join('\n'));
  }
  const rows = timeline(outcomes.seconds, watch?.hpaSamples ?? []);
  const title = `${options.scenarios.map((s) => s.name).join(' + ')}: load and replicas over time`;
  if (options.csv) write(options.csv, timelineCsv(rows), progress);
  const allMarkers = [...markers, ...(watch?.rollouts ?? [])];
  if (options.svg) write(options.svg, timelineSvg(rows, title, allMarkers), progress);
  return failed ? 1 : 0;
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
