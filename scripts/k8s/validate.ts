// Every chart with every values file and every kustomize overlay: linted, rendered, checked by the
// project's own rules (checks.ts), NetworkPolicies against the flows the apps need (network.ts),
// and charts against manifests (parity.ts). Run through scripts/validate.sh (pinned tools).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkObjects } from './checks.js';
import { allowedFlows, flowProblems } from './network.js';
import { workloads, type K8sObject } from './objects.js';
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
    // A project's chart alone holds only its own workloads: the flows between them, DNS and outside sources.
    const local = new Set(
      workloads(objects).map(
        ({ object, template }) =>
          template.metadata?.labels?.['app.kubernetes.io/name'] ?? object.metadata.name,
      ),
    );
    const present = (end: string) => local.has(end) || end === 'kube-dns' || end.includes('/');
    const expected = readYaml<string[]>(FLOWS).filter((flow) => {
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
    // Safe defaults: a chart that needs credentials installs nothing until it gets them (a dev values
    // file or existing Secrets); one that needs none renders as it is.
    const needsCredentials = 'credentials' in readYaml<object>(join(chart.dir, 'values.yaml'));
    const defaults = await helmTemplate(chart).then(
      (objects) => objects,
      (error: Error) => error,
    );
    if (!needsCredentials) {
      if (defaults instanceof Error) report(`${chart.dir} with defaults only`, [defaults.message]);
      else checkVariant(`${chart.dir} with defaults only`, defaults);
    } else {
      const refused = defaults instanceof Error && /existingSecret/.test(defaults.message);
      report(
        `${chart.dir} with defaults only: refuses to render without credentials`,
        refused
          ? []
          : [defaults instanceof Error ? defaults.message : 'rendered without any credentials'],
      );
    }
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
