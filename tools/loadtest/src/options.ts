// Command line → settings. Durations accept 90s, 2m, 1m30s; targets default per scenario.
import { parseArgs } from 'node:util';
import { scenarios } from './scenarios/index.js';
import type { Scenario } from './scenarios/scenario.js';
import { parseDuration } from './stages.js';

export const USAGE = `usage: npm run loadtest -- <scenario...|all> [options]

scenarios:
${Object.values(scenarios)
  .map(
    (s) => `  ${s.name.padEnd(10)} ${s.description} (${s.defaultTarget}, or $${s.targetVariable})`,
  )
  .join('\n')}

options:
  --target URL        base URL for every scenario given (an Ingress, a port-forward, a Service)
  --duration 60s      the load's total length, shared by the scenario's stages
  --rate N            peak requests/s (0: as fast as the connections go); default per scenario
  --connections N     peak connections; default per scenario
  --timeout 10s       a request slower than this counts as a timeout
  --follow 2m         orders: longest wait for accepted orders to be processed after the load
  --watch             follow the namespace's HPAs, KEDA ScaledObjects and rollouts (kubeconfig as kubectl)
  --namespace taller  the namespace --watch follows
  --cooldown 5m       with --watch: longest wait after the load for the HPAs to scale back down
  --expect A,B        with --watch: exit 1 unless autoscalers A and B scaled up and back down
  --csv FILE          write the timeline (second, requests/s, p99, errors, replicas per HPA)
  --svg FILE          write a chart of load and replicas over time`;

export interface Options {
  scenarios: Scenario[];
  target?: string;
  duration: number;
  rate?: number;
  connections?: number;
  timeout: number;
  follow: number;
  watch: boolean;
  namespace: string;
  cooldown: number;
  /** Autoscalers that must scale up and back down (exit 1 otherwise). */
  expect: string[];
  csv?: string;
  svg?: string;
}

function count(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--${name} must be an integer ≥ ${min}`);
  return value;
}

export function parseOptions(args: string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      duration: { type: 'string', default: '60s' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      timeout: { type: 'string', default: '10s' },
      follow: { type: 'string', default: '2m' },
      watch: { type: 'boolean', default: false },
      namespace: { type: 'string', default: 'taller' },
      cooldown: { type: 'string', default: '5m' },
      expect: { type: 'string', default: '' },
      csv: { type: 'string' },
      svg: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const names = positionals.includes('all') ? Object.keys(scenarios) : positionals;
  if (names.length === 0) throw new Error('name a scenario');
  const unknown = names.filter((name) => !scenarios[name]);
  if (unknown.length > 0) throw new Error(`unknown scenario: ${unknown.join(', ')}`);
  if (values.target !== undefined) new URL(values.target); // throws on a malformed URL
  const expected = values.expect.split(',').filter(Boolean);
  if (expected.length > 0 && !values.watch) throw new Error('--expect needs --watch');
  return {
    scenarios: names.map((name) => scenarios[name]!),
    target: values.target,
    duration: parseDuration(values.duration),
    rate: count('rate', values.rate, 0),
    connections: count('connections', values.connections, 1),
    timeout: parseDuration(values.timeout),
    follow: parseDuration(values.follow),
    watch: values.watch,
    namespace: values.namespace,
    cooldown: parseDuration(values.cooldown),
    expect: expected,
    csv: values.csv,
    svg: values.svg,
  };
}

/** --target, else the scenario's variable, else its default. */
export const targetOf = (scenario: Scenario, options: Options, env = process.env) =>
  options.target ?? env[scenario.targetVariable] ?? scenario.defaultTarget;
