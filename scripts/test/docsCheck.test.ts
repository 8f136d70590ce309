import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anchors, checkDocs, commandProblems, slug } from '../docs/check.js';

// A tiny repository: one script, one chart with a values file, one overlay, one shell script.
const REPO: Record<string, string> = {
  'package.json': JSON.stringify({ scripts: { validate: 'true' } }),
  'apps/api/package.json': JSON.stringify({ scripts: { dev: 'true' } }),
  'helm/app/Chart.yaml': 'name: app\n',
  'helm/app/values-dev.yaml': '{}\n',
  'k8s/overlays/dev/kustomization.yaml': 'resources: []\n',
  'k8s/examples/pod.yaml': 'kind: Pod\n',
  'scripts/up.sh': 'true\n',
  'README.md': '# Repo\n\n[Taller](docs/INDICE.md#capítulos)\n',
  'docs/capitulos/01-uno.md':
    '# Uno\n\n## Qué verás\n\n```bash\nnpm run validate\n```\n\nQué deberías ver: nada.\n',
};

const GOOD = `# Índice

## Capítulos

Ver [el primero](capitulos/01-uno.md#qué-verás), [abajo](#comandos-y-más) y \`helm/app/values-dev.yaml\`.

## Comandos (y más)

\`\`\`bash
npm run validate
npm run dev -w apps/api
helm install taller helm/app -f helm/app/values-dev.yaml
kubectl apply -k k8s/overlays/dev && kubectl apply -f k8s/examples/pod.yaml
sudo bash scripts/up.sh
kubectl -n taller logs deploy/<name>    # placeholders are not checked
\`\`\`
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh copy of the tiny repository with docs/INDICE.md as given. */
function repo(indice: string): string {
  const root = mkdtempSync(join(tmpdir(), 'docs-check-'));
  dirs.push(root);
  for (const [path, text] of Object.entries({ ...REPO, 'docs/INDICE.md': indice })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
const files = { docs: ['docs/INDICE.md', 'docs/capitulos/01-uno.md'], readmes: ['README.md'] };
const problems = (indice: string) =>
  checkDocs(repo(indice), files).map(({ file, line, message }) => `${file}:${line} ${message}`);

describe('the docs check', () => {
  it('follows GitHub anchor rules', () => {
    expect(slug('Comandos (y más)')).toBe('comandos-y-más');
    expect(slug('`kubectl get` y **eventos**')).toBe('kubectl-get-y-eventos');
    expect(slug('5. Redes: Service, Ingress')).toBe('5-redes-service-ingress');
    expect([...anchors('# A\n\n## Paso\n\n## Paso\n\n```bash\n# not a heading\n```\n')]).toEqual([
      'a',
      'paso',
      'paso-1',
    ]);
  });

  it('finds nothing wrong in docs that follow every rule', () => {
    expect(problems(GOOD)).toEqual([]);
  });

  it.each([
    ['a link to a missing file', '[x](capitulos/02-dos.md)', 'capitulos/02-dos.md does not exist'],
    ['a link to a missing anchor', '[x](capitulos/01-uno.md#nada)', 'no heading #nada'],
    ['a missing anchor in the same file', '[x](#nada)', 'no heading #nada in docs/INDICE.md'],
    ['a missing repository path', 'Ver `k8s/base/nada.yaml`.', 'path k8s/base/nada.yaml does not'],
    ['an unknown npm script', '`npm run nada`', 'npm run nada: no such script in package.json'],
    ['an unknown workspace script', '`npm run x -w apps/api`', 'no such script in apps/api/'],
    ['a missing chart', '`helm install t helm/nada`', 'chart helm/nada does not exist'],
    [
      'a missing values file',
      '`helm upgrade t helm/app -f helm/app/v.yaml`',
      'file helm/app/v.yaml',
    ],
    ['a missing overlay', '`kubectl apply -k k8s/overlays/qa`', 'kustomization k8s/overlays/qa'],
    ['a missing manifest', '`kubectl apply -f k8s/examples/x.yaml`', 'file k8s/examples/x.yaml'],
    ['a missing script', '`bash scripts/down.sh`', 'script scripts/down.sh does not exist'],
    ['a fence without a language', '```\nls\n```', 'MD040'],
    ['a heading that skips a level', '#### Cuatro', 'MD001 heading jumps from h2 to h4'],
    ['a second H1', '# Otro', 'MD025'],
    ['trailing whitespace', 'texto  ', 'MD009'],
    ['a bare URL', 'Ver https://example.com hoy.', 'MD034'],
    ['an empty link', '[nada]()', 'MD042'],
  ])('fails on %s', (_what, broken, expected) => {
    const found = problems(`${GOOD}\n${broken}\n`);
    expect(found.join('\n')).toContain(expected);
  });

  it('fails when the first line is not an H1, or the file has no final newline', () => {
    expect(problems(`Texto.\n\n${GOOD}`).join('\n')).toContain('MD041');
    expect(problems(GOOD.trimEnd()).join('\n')).toContain('MD047');
  });

  it('fails on a chapter without commands or without what to see, and on an orphan page', () => {
    const root = repo(GOOD);
    writeFileSync(join(root, 'docs/capitulos/01-uno.md'), '# Uno\n\n## Qué verás\n\nTexto.\n');
    writeFileSync(join(root, 'docs/HUERFANA.md'), '# Huérfana\n');
    const docs = [...files.docs, 'docs/HUERFANA.md'];
    expect(checkDocs(root, { ...files, docs }).map((p) => `${p.file} ${p.message}`)).toEqual([
      'docs/capitulos/01-uno.md a chapter without commands to run (a bash block)',
      'docs/capitulos/01-uno.md a chapter without "Qué deberías ver"',
      'docs/HUERFANA.md not reachable by links from docs/INDICE.md',
    ]);
  });

  it('fails on a project page without a Mermaid diagram', () => {
    const root = repo(`${GOOD}\n[Proyecto](proyectos/uno.md)\n`);
    mkdirSync(join(root, 'docs/proyectos'));
    writeFileSync(join(root, 'docs/proyectos/uno.md'), '# Proyecto\n');
    const docs = [...files.docs, 'docs/proyectos/uno.md'];
    expect(checkDocs(root, { ...files, docs }).map((p) => p.message)).toEqual([
      'a project page without a Mermaid diagram',
    ]);
  });

  it('checks the links of every README too', () => {
    const root = repo(GOOD);
    writeFileSync(join(root, 'README.md'), '# Repo\n\n[Taller](docs/INDICE.md#nada)\n');
    expect(checkDocs(root, files).map((p) => p.message)).toEqual([
      'link docs/INDICE.md#nada: no heading #nada in docs/INDICE.md',
    ]);
  });

  it('takes -f as a file only where the subcommand reads files', () => {
    expect(commandProblems(repo(GOOD), 'kubectl -n taller logs -f job/loadtest')).toEqual([]);
    expect(commandProblems(repo(GOOD), 'kubectl -n taller delete -f k8s/x.yaml')).toEqual([
      'file k8s/x.yaml does not exist',
    ]);
  });

  it('reads chained commands and continued lines', () => {
    expect(commandProblems(repo(GOOD), 'for c in a; do helm lint helm/nada; done')).toEqual([
      'chart helm/nada does not exist',
    ]);
  });
});
