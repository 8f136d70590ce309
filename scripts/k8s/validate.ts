// Every chart with every values file and every kustomize overlay: linted, rendered, checked by the
// project's own rules (checks.ts), NetworkPolicies against the flows the apps need (network.ts),
// and charts against manifests (parity.ts). Run through scripts/validate.sh (pinned tools).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkObjects } from './checks.js';
import { allowedFlows, flowProblems } from './network.js';
import type { K8sObject } from './objects.js';
import { parityProblems, type ParityException } from './parity.js';
import { buildOrder, charts, command, helmTemplate, kustomize, overlays, root } from './render.js';

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

function checkVariant(name: string, objects: K8sObject[]) {
  const external = /prod/.test(name) ? PROD_EXTERNAL : [];
  report(`${name}: ${objects.length} objects`, checkObjects(objects, { external }));
  if (objects.some((object) => object.kind === 'NetworkPolicy')) {
    report(
      `${name}: NetworkPolicies allow exactly the flows in ${FLOWS}`,
      flowProblems(allowedFlows(objects), readYaml<string[]>(FLOWS)),
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

const rendered = new Map<string, K8sObject[]>();

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
    const objects = await attempt(`${label}: helm template`, () => helmTemplate(chart, valuesFile));
    if (objects) {
      rendered.set(label, objects);
      checkVariant(label, objects);
    }
  }
  if (!chart.library) {
    // Safe defaults: without credentials (a dev values file or existing Secrets) nothing installs.
    const error = await helmTemplate(chart).then(
      () => 'rendered without any credentials',
      (e: Error) => (/existingSecret/.test(e.message) ? undefined : e.message),
    );
    report(
      `${chart.dir} with defaults only: refuses to render without credentials`,
      error ? [error] : [],
    );
  }
}

for (const overlay of overlays()) {
  const objects = await attempt(`${overlay}: kubectl kustomize`, () => kustomize(overlay));
  if (objects) {
    rendered.set(overlay, objects);
    checkVariant(overlay, objects);
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
    parityProblems(chart, manifests, listed),
  );
}

process.exit(failed ? 1 : 0);
