// The server-side proof: renders applied with `kubectl apply --dry-run=server --validate=strict` to
// the throwaway API server of scripts/k8s/control-plane.sh, in namespaces that enforce Pod Security
// "restricted". Nothing is stored by a dry run, so every render meets the same empty cluster.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { command } from './render.js';

/** Pods are refused and pod templates (Deployments, Jobs...) warned about: both count as failures. */
const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

/**
 * Waits until the throwaway control plane serves (control-plane.sh says so with a file), and refuses
 * any other cluster: namespaces and CRDs are really created in it.
 */
export async function controlPlane(): Promise<string> {
  const dir = process.env.TALLER_CONTROL_PLANE;
  if (!dir || process.env.KUBECONFIG !== join(dir, 'kubeconfig')) {
    throw new Error('no validation control plane: run through scripts/k8s/control-plane.sh run');
  }
  while (!existsSync(join(dir, 'ready'))) {
    if (existsSync(join(dir, 'failed'))) {
      throw new Error(`control plane: ${readFileSync(join(dir, 'failed'), 'utf8')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return dir;
}

/** Installs the CRDs and waits until they are served; slow enough to start before the renders. */
export async function installCrds(crdDirs: string[]) {
  await controlPlane();
  if (crdDirs.length === 0) return;
  // Server-side apply: the largest CRDs exceed the client-side last-applied annotation's limit.
  await command('KUBECTL', ['apply', '--server-side', ...crdDirs.flatMap((d) => ['-f', d])]);
  await command('KUBECTL', [
    'wait',
    '--for=condition=Established',
    'crd',
    '--all',
    '--timeout=60s',
  ]);
}

/** Every namespace the renders use exists and enforces restricted; unset ones mean `fallback`. */
export async function createNamespaces(fallback: string, namespaces: string[]) {
  await controlPlane();
  await command('KUBECTL', ['config', 'set-context', '--current', `--namespace=${fallback}`]);
  const documents = [...new Set([fallback, ...namespaces])].map((name) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: RESTRICTED } }),
  );
  await command('KUBECTL', ['apply', '-f', '-'], documents.join('\n---\n'));
}

/** Runs kubectl with stdout and stderr as one stream, so each warning stays before its object. */
function kubectlMerged(args: string[], input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', '"$0" "$@" 2>&1', process.env.KUBECTL ?? 'kubectl', ...args]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
    child.stdin.end(input);
  });
}

/** What the API server refuses or warns about in a YAML stream; empty when it accepts all of it. */
export async function dryRun(yaml: string): Promise<string[]> {
  await controlPlane();
  const { code, output } = await kubectlMerged(
    ['apply', '--dry-run=server', '--validate=strict', '--warnings-as-errors', '-f', '-'],
    yaml,
  );
  const problems: string[] = [];
  let warnings: string[] = [];
  for (const line of output.split('\n').filter(Boolean)) {
    const accepted = /^(\S+) (?:created|configured|unchanged) \(server dry run\)$/.exec(line);
    const warning = /^Warning: (.*)$/.exec(line);
    if (warning) warnings.push(warning[1]!);
    else if (accepted) {
      problems.push(...warnings.map((w) => `${accepted[1]}: warning: ${w}`));
      warnings = [];
    } else if (!/^error: \d+ warnings? received$/.test(line)) {
      // kubectl's own count of the warnings above is dropped; an error names its object or kind.
      problems.push(line.replace(/error when \w+ "STDIN": /, ''));
    }
  }
  problems.push(...warnings.map((w) => `warning: ${w}`));
  if (code !== 0 && problems.length === 0) problems.push(`kubectl apply exited with ${code}`);
  return problems;
}
