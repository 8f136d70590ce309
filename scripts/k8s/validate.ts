// Every chart with every values file and every kustomize overlay: linted, rendered, checked by the
// project's own rules (checks.ts), NetworkPolicies against the flows the apps need (network.ts),
// charts against manifests (parity.ts), then every render, example and GitOps object against a
// real API server (server.ts) and kubeconform (kubeconform.ts). Run through scripts/validate.sh
// (pinned tools, throwaway control plane).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkObjects } from './checks.js';
import { kubeconform, writeSchemas } from './kubeconform.js';
import { allowedFlows, flowProblems } from './network.js';
import { workloads, type K8sObject } from './objects.js';
import { parityProblems, type ParityException } from './parity.js';
import {
  buildOrder,
  charts,
  command,
  helmTemplate,
  kustomize,
  kustomizeWith,
  manifestFiles,
  NAMESPACE,
  overlays,
  readRender,
  root,
  type Render,
} from './render.js';
import { controlPlane, createNamespaces, dryRun, installCrds } from './server.js';

// Made out of band in production (README: kubectl create secret ...), so references to them are fine.
const PROD_EXTERNAL = [
  'Secret/fullstack-credentials',
  'Secret/microservices-credentials',
  'Secret/taller-tls',
];
const FLOWS = 'k8s/components/network-policies/flows.yaml';
const PARITY = 'k8s/parity-exceptions.yaml';

let failed = false;
function report(what: string, problems: string[]) {
  if (problems.length === 0) {
    console.log(`ok   ${what}`);
    return;
  }
  failed = true;
  console.log(`FAIL ${what}`);
  for (const problem of problems) console.log(`     - ${problem}`);
}

const readYaml = <T>(path: string) => parse(readFileSync(join(root, path), 'utf8')) as T;

function checkVariant(name: string, objects: K8sObject[], extraFlows: string[] = []) {
  const external = /prod/.test(name) ? PROD_EXTERNAL : [];
  report(`${name}: ${objects.length} objects`, checkObjects(objects, { external }));
  if (objects.some((object) => object.kind === 'NetworkPolicy')) {
    // A project's chart alone holds only its own workloads: the flows between them, DNS and outside sources.
    const local = new Set(
      workloads(objects).map(
        ({ object, template }) =>
          template.metadata?.labels?.['app.kubernetes.io/name'] ?? object.metadata.name,
      ),
    );
    const present = (end: string) => local.has(end) || end === 'kube-dns' || end.includes('/');
    const expected = [...readYaml<string[]>(FLOWS), ...extraFlows].filter((flow) => {
      const [from = '', to = ''] = flow.split(/ -> |:/);
      return present(from) && present(to);
    });
    report(
      `${name}: NetworkPolicies allow exactly the flows in ${FLOWS}`,
      flowProblems(allowedFlows(objects), expected),
    );
  }
}

async function attempt<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    report(what, [(error as Error).message]);
    return undefined;
  }
}

// The API server establishes CRDs in its own time: let it while the charts render.
const crdsInstalled = installCrds((process.env.TALLER_CRD_DIRS ?? '').split('\n').filter(Boolean));
crdsInstalled.catch(() => {}); // awaited (and reported) in serverSide

const rendered = new Map<string, Render>();

for (const chart of buildOrder(charts())) {
  if (chart.localDependencies.length > 0) {
    await attempt(`${chart.dir}: helm dependency build`, () =>
      command('HELM', ['dependency', 'build', chart.dir]),
    );
  }
  for (const valuesFile of chart.library ? [undefined] : chart.valuesFiles) {
    const values = valuesFile ? ['-f', join(chart.dir, valuesFile)] : [];
    const label = `${chart.dir}${valuesFile ? ` -f ${valuesFile}` : ''}`;
    const lint = await attempt(`${label}: helm lint --strict`, () =>
      command('HELM', ['lint', '--strict', chart.dir, ...values]),
    );
    if (lint !== undefined) report(`${label}: helm lint --strict`, []);
    if (chart.library || !valuesFile) continue;
    const render = await attempt(`${label}: helm template`, () => helmTemplate(chart, valuesFile));
    if (render) {
      rendered.set(label, render);
      checkVariant(label, render.objects);
    }
  }
  if (!chart.library) {
    // Safe defaults: a chart that needs credentials installs nothing until it gets them (a dev values
    // file or existing Secrets); one that needs none renders as it is.
    const needsCredentials = [chart.name, ...chart.localDependencies].some(
      (name) => 'credentials' in (readYaml<object | null>(join('helm', name, 'values.yaml')) ?? {}),
    );
    const defaults = await helmTemplate(chart).then(
      (render) => render,
      (error: Error) => error,
    );
    const label = `${chart.dir} with defaults only`;
    if (!needsCredentials) {
      if (defaults instanceof Error) report(label, [defaults.message]);
      else {
        rendered.set(label, defaults);
        checkVariant(label, defaults.objects);
      }
    } else {
      const refused = defaults instanceof Error && /existingSecret/.test(defaults.message);
      report(
        `${label}: refuses to render without credentials`,
        refused
          ? []
          : [defaults instanceof Error ? defaults.message : 'rendered without any credentials'],
      );
    }
  }
}

for (const overlay of overlays()) {
  const render = await attempt(`${overlay}: kubectl kustomize`, () => kustomize(overlay));
  if (render) {
    rendered.set(overlay, render);
    checkVariant(overlay, render.objects);
  }
}

// Optional parts that no values file or overlay turns on still meet the checks and the API server.
// KEDA's operator reads the queue length from RabbitMQ: one flow more than flows.yaml lists.
const KEDA_FLOWS = ['keda/* -> rabbitmq:5672/TCP'];
const optional = [
  {
    label: 'helm/microservices -f values-prod.yaml --set orderWorker.autoscaling.mode=keda',
    render: () =>
      helmTemplate({ dir: 'helm/microservices' }, 'values-prod.yaml', [
        '--set',
        'orderWorker.autoscaling.mode=keda',
      ]),
    flows: KEDA_FLOWS,
  },
  {
    label: 'k8s/overlays/prod + k8s/components/keda',
    render: () => kustomizeWith('k8s/overlays/prod', 'k8s/components/keda'),
    flows: KEDA_FLOWS,
  },
];
for (const { label, render: make, flows } of optional) {
  const render = await attempt(`${label}: render`, make);
  if (render) {
    rendered.set(label, render);
    checkVariant(label, render.objects, flows);
  }
}

const exceptions = readYaml<{ exceptions: ParityException[] }>(PARITY).exceptions ?? [];
for (const variant of ['dev', 'prod']) {
  const chart = rendered.get(`helm/taller -f values-${variant}.yaml`);
  const manifests = rendered.get(`k8s/overlays/${variant}`);
  if (!chart || !manifests) {
    report(`parity ${variant}`, ['both helm/taller and k8s/overlays/' + variant + ' must render']);
    continue;
  }
  const listed = exceptions.filter((e) => !e.variant || e.variant === variant);
  report(
    `parity ${variant}: helm/taller -f values-${variant}.yaml = k8s/overlays/${variant}, less ${PARITY}`,
    parityProblems(chart.objects, manifests.objects, listed),
  );
}

// The server side sees everything a user may apply: renders, examples and GitOps objects.
const applied = new Map(rendered);
for (const file of [...manifestFiles('k8s/examples'), ...manifestFiles('k8s/gitops')]) {
  applied.set(file, readRender(file));
}
await serverSide(applied);

process.exit(failed ? 1 : 0);

/** Runs `work` on every item, at most `limit` at a time (each one is a kubectl process). */
async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

async function serverSide(renders: Map<string, Render>) {
  const objects = [...renders.values()].flatMap((render) => render.objects);
  const namespaces = objects.flatMap((o) =>
    o.kind === 'Namespace' ? [o.metadata.name] : o.metadata.namespace ? [o.metadata.namespace] : [],
  );
  try {
    await crdsInstalled;
    await createNamespaces(NAMESPACE, namespaces);
  } catch (error) {
    report('validation API server: restricted namespaces and CRDs', [(error as Error).message]);
    return;
  }
  // kubeconform's schemas are made while the dry runs go: both only read from the API server.
  const dir = join(await controlPlane(), 'kubeconform');
  const schemas = attempt('kubeconform: schemas from the API server', () =>
    writeSchemas(join(dir, 'schemas')),
  );
  const labels = [...renders.keys()];
  const problems = await eachLimited(labels, 4, (label) => dryRun(renders.get(label)!.text));
  labels.forEach((label, i) =>
    report(`${label}: kubectl apply --dry-run=server --validate=strict, restricted`, problems[i]!),
  );

  // kubeconform reads files: the renders go beside the schemas, in the throwaway folder.
  const files = labels.map((_, i) => join(dir, 'renders', `${i}.yaml`));
  mkdirSync(join(dir, 'renders'), { recursive: true });
  labels.forEach((label, i) => writeFileSync(files[i]!, renders.get(label)!.text));
  const written = await schemas;
  if (written === undefined) return;
  const complaints = await kubeconform(join(dir, 'schemas'), files);
  labels.forEach((label, i) => {
    const mine = complaints.filter((line) => line.startsWith(`${files[i]} - `));
    report(
      `${label}: kubeconform -strict (${written} schemas)`,
      mine.map((line) => line.slice(files[i]!.length + 3)),
    );
  });
  const stray = complaints.filter((line) => !files.some((file) => line.startsWith(`${file} - `)));
  if (stray.length > 0) report('kubeconform', stray);
}
