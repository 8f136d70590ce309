// Renders the charts and overlays with the pinned helm and kubectl (paths from scripts/cluster/env.sh).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './objects.js';

const run = promisify(execFile);

export const root = join(import.meta.dirname, '../..');
export const RELEASE = 'taller';
export const NAMESPACE = 'taller';

type Tool = 'HELM' | 'KUBECTL' | 'KUBECONFORM';

function tool(name: Tool): string {
  const path = process.env[name];
  if (!path || !existsSync(path)) {
    throw new Error(
      `${name} is not set to a binary: run through scripts/validate.sh, which builds the pinned tools`,
    );
  }
  return path;
}

export async function command(name: Tool, args: string[], input?: string): Promise<string> {
  const child = run(tool(name), args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`${name.toLowerCase()} ${args.join(' ')}: ${(stderr || message).trim()}`, {
      cause: error,
    });
  }
}

/** YAML as Kubernetes reads it (1.1: `0440` is octal, as in a Secret volume's defaultMode). */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null && typeof object === 'object');
}

export interface Chart {
  dir: string;
  name: string;
  library: boolean;
  /** `values-<name>.yaml` files beside `values.yaml`, by name (dev, prod...). */
  valuesFiles: string[];
  /** Charts this one depends on through `file://` (built first). */
  localDependencies: string[];
}

export function charts(): Chart[] {
  const helmDir = join(root, 'helm');
  return readdirSync(helmDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(helmDir, entry.name, 'Chart.yaml')))
    .map((entry) => {
      const dir = join('helm', entry.name);
      const chart = parseObjects(
        readFileSync(join(root, dir, 'Chart.yaml'), 'utf8'),
      )[0] as unknown as {
        type?: string;
        dependencies?: { repository?: string; name: string }[];
      };
      return {
        dir,
        name: entry.name,
        library: chart.type === 'library',
        valuesFiles: readdirSync(join(root, dir))
          .filter((file) => /^values-[\w-]+\.yaml$/.test(file))
          .sort(),
        localDependencies: (chart.dependencies ?? [])
          .filter((dep) => dep.repository?.startsWith('file://'))
          .map((dep) => dep.repository!.slice('file://../'.length)),
      };
    });
}

/** The charts in an order where every chart comes after the charts it depends on. */
export function buildOrder(all: Chart[]): Chart[] {
  const ordered: Chart[] = [];
  const visit = (chart: Chart) => {
    if (ordered.includes(chart)) return;
    for (const name of chart.localDependencies) {
      const dependency = all.find((c) => c.name === name);
      if (dependency) visit(dependency);
    }
    ordered.push(chart);
  };
  all.forEach(visit);
  return ordered;
}

/** A rendered YAML stream: the text goes to the API server as it is, the objects to the checks. */
export interface Render {
  text: string;
  objects: K8sObject[];
}

const render = (text: string): Render => ({ text, objects: parseObjects(text) });

export async function helmTemplate(
  chart: Pick<Chart, 'dir'>,
  valuesFile?: string,
  extra: string[] = [],
): Promise<Render> {
  const values = valuesFile ? ['-f', join(chart.dir, valuesFile)] : [];
  return render(
    await command('HELM', ['template', RELEASE, chart.dir, '-n', NAMESPACE, ...values, ...extra]),
  );
}

export async function kustomize(dir: string): Promise<Render> {
  return render(await command('KUBECTL', ['kustomize', dir]));
}

/** An overlay with one more component, built from a kustomization in a temp folder. */
export async function kustomizeWith(overlay: string, component: string): Promise<Render> {
  const dir = mkdtempSync(join(tmpdir(), 'taller-kustomize-'));
  try {
    // Relative paths: kustomize refuses absolute ones, and follows relative ones anywhere.
    const path = (to: string) => relative(dir, join(root, to));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      JSON.stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [path(overlay)],
        components: [path(component)],
      }),
    );
    return await kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The YAML files under `dir` that are applied as they are (examples, GitOps objects). */
export function manifestFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => join(dir, file));
}

export const readRender = (path: string) => render(readFileSync(join(root, path), 'utf8'));

export function overlays(): string[] {
  const dir = join(root, 'k8s/overlays');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join('k8s/overlays', entry.name));
}
