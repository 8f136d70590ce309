// The workshop's promise that every step is runnable, checked without a cluster: in docs/ and every
// README, each relative link and #anchor resolves (GitHub's anchor rules); in docs/, each repository
// path in backticks exists, and each command shown for this repository (`npm run`, helm with a chart
// or values file, kubectl -k/-f, scripts run with bash or source) names a script, chart, values
// file, overlay or file that exists; plus a small Markdown lint (markdownlint's rules that prettier
// does not already enforce). Run by scripts/validate.sh: npx tsx scripts/docs/check.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** GitHub's heading anchor: lower case, punctuation dropped (letters of any script stay), spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

interface Line {
  number: number;
  text: string;
  /** The language of the fenced block the line is in; undefined outside one. */
  fence?: string;
}

/** Every line with its fenced-block language (the fence lines themselves are left out). */
function lines(markdown: string): Line[] {
  const out: Line[] = [];
  let fence: string | undefined;
  let marker = '';
  markdown.split('\n').forEach((text, index) => {
    const open = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(text);
    if (fence === undefined && open) {
      marker = open[1]!;
      fence = open[2] ?? '';
      return;
    }
    if (
      fence !== undefined &&
      text.trim().startsWith(marker) &&
      text.trim() === text.trim()[0]!.repeat(text.trim().length)
    ) {
      fence = undefined;
      return;
    }
    out.push({ number: index + 1, text, fence });
  });
  return out;
}

/** The anchors a Markdown file offers: its headings (duplicates numbered) and explicit ids. */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const counts = new Map<string, number>();
  for (const { text, fence } of lines(markdown)) {
    if (fence !== undefined) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading) {
      const base = slug(heading[1]!);
      const seen = counts.get(base) ?? 0;
      counts.set(base, seen + 1);
      found.add(seen === 0 ? base : `${base}-${seen}`);
    }
    for (const id of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id[1]!);
  }
  return found;
}

/** Text outside inline code spans, so `[x](y)` inside backticks is not a link. */
const withoutCode = (text: string) => text.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));

export function linkProblems(root: string, file: string): Problem[] {
  const markdown = readFileSync(join(root, file), 'utf8');
  const problems: Problem[] = [];
  for (const { number, text, fence } of lines(markdown)) {
    if (fence !== undefined) continue;
    for (const match of withoutCode(text).matchAll(
      /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    )) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:...
      const [path = '', anchor] = target.split('#') as [string, string | undefined];
      const resolved =
        path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
      const report = (message: string) => problems.push({ file, line: number, message });
      if (resolved.startsWith('..') || !existsSync(join(root, resolved))) {
        report(`link ${target}: ${resolved} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (!resolved.endsWith('.md') || statSync(join(root, resolved)).isDirectory()) {
        if (!/^L\d+(-L\d+)?$/.test(anchor))
          report(`link ${target}: an anchor into a file that is not Markdown`);
        continue;
      }
      const offered = anchors(readFileSync(join(root, resolved), 'utf8'));
      if (!offered.has(decodeURIComponent(anchor)))
        report(`link ${target}: no heading #${anchor} in ${resolved}`);
    }
  }
  return problems;
}

/** Top-level entries whose mention in backticks is taken as a repository path. */
const PATH_ROOTS =
  /^(apps|packages|helm|k8s|scripts|docs|compose|tools|\.ci|\.github)\/|^(docker-compose\.yml|package\.json|turbo\.json|\.env\.example|\.nvmrc)$/;

/** A token that stands for something the reader fills in, or a glob: not checked. */
const placeholder = (token: string) => /[<>$*{}[\]]|\.\.\./.test(token);

function inlineCode(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

export function pathProblems(root: string, file: string): Problem[] {
  const problems: Problem[] = [];
  for (const { number, text, fence } of lines(readFileSync(join(root, file), 'utf8'))) {
    if (fence !== undefined) continue;
    for (const code of inlineCode(text)) {
      const token = code.trim().replace(/:\d+(-\d+)?$/, '');
      if (/\s/.test(token) || placeholder(token) || !PATH_ROOTS.test(token)) continue;
      if (!existsSync(join(root, token)))
        problems.push({ file, line: number, message: `path ${token} does not exist` });
    }
  }
  return problems;
}

/** Shell commands shown in a file: bash/sh/console blocks (continuations joined) and inline code. */
function commands(markdown: string): { line: number; command: string }[] {
  const found: { line: number; command: string }[] = [];
  let pending: { line: number; command: string } | undefined;
  for (const { number, text, fence } of lines(markdown)) {
    if (fence === undefined) {
      for (const code of inlineCode(text)) found.push({ line: number, command: code });
      continue;
    }
    if (!['bash', 'sh', 'shell', 'console'].includes(fence)) continue;
    const body = text.replace(/^\s*\$\s/, '').replace(/\s#.*$/, '');
    if (pending) pending.command += ' ' + body.trim();
    else pending = { line: number, command: body.trim() };
    if (!/\\\s*$/.test(body)) {
      found.push({ ...pending, command: pending.command.replace(/\\\s+/g, ' ') });
      pending = undefined;
    }
  }
  return found;
}

function packageScripts(root: string, dir: string): Set<string> {
  const path = join(root, dir, 'package.json');
  if (!existsSync(path)) return new Set();
  const { scripts = {} } = JSON.parse(readFileSync(path, 'utf8')) as { scripts?: object };
  return new Set(Object.keys(scripts));
}

const isFile = (root: string, path: string) =>
  existsSync(join(root, path)) && statSync(join(root, path)).isFile();

/** `what path does not exist`, unless the path is a placeholder, absolute or a URL. */
function missing(what: string, path: string, ok: (path: string) => boolean): string[] {
  if (placeholder(path) || /^(https?:|\/|~)/.test(path) || ok(path)) return [];
  return [`${what} ${path} does not exist`];
}

/** `npm run <script> [-w <dir>]`: the script exists in that package. */
function npmProblems(root: string, args: string[]): string[] {
  if (args[0] !== 'run' || !args[1] || placeholder(args[1])) return [];
  const workspace = args.findIndex((arg) => arg === '-w' || arg === '--workspace');
  const dir = workspace >= 0 ? (args[workspace + 1] ?? '') : '.';
  if (placeholder(dir) || packageScripts(root, dir).has(args[1])) return [];
  return [`npm run ${args[1]}: no such script in ${join(dir, 'package.json')}`];
}

// `-f` is a file for these subcommands only (`kubectl logs -f` follows, it names no file).
const TAKES_FILES = [
  'apply',
  'create',
  'delete',
  'replace',
  'diff',
  'install',
  'upgrade',
  'template',
  'lint',
];

/** helm and kubectl: the charts, files and kustomizations they name exist. */
function clusterToolProblems(root: string, tool: string, args: string[]): string[] {
  const problems: string[] = [];
  const kustomization = (p: string) => isFile(root, join(p, 'kustomization.yaml'));
  if (tool.includes('helm') || tool.includes('HELM')) {
    for (const arg of args.filter((a) => /^helm\/[^/]+\/?$/.test(a)))
      problems.push(...missing('chart', arg, (p) => isFile(root, join(p, 'Chart.yaml'))));
  }
  const verb = args.find(
    (arg, i) => !arg.startsWith('-') && !/^(-n|--namespace)$/.test(args[i - 1] ?? ''),
  );
  args.forEach((arg, i) => {
    const next = args[i + 1];
    if (!next || next === '-') return;
    const namesFile =
      (arg === '-f' && TAKES_FILES.includes(verb ?? '')) ||
      arg === '--values' ||
      arg === '--filename';
    if (namesFile) problems.push(...missing('file', next, (p) => existsSync(join(root, p))));
    if (arg === '-k' || arg === '--kustomize')
      problems.push(...missing('kustomization', next, kustomization));
  });
  if (args[0] === 'kustomize' && args[1] && !args[1].startsWith('-'))
    problems.push(...missing('kustomization', args[1], kustomization));
  return problems;
}

/** `bash scripts/x.sh`, `source ...`, or a script run by its path: the script exists. */
function scriptProblems(root: string, tool: string, args: string[]): string[] {
  const script = args.find((a) => !a.startsWith('-'));
  if (
    ['bash', 'source', '.'].includes(tool) &&
    script &&
    /^(scripts|k8s|helm|tools|docs|\.ci)\//.test(script)
  )
    return missing('script', script, (p) => isFile(root, p));
  if (/^(scripts|k8s|helm|tools)\/.*\.(sh|mjs|ts)$/.test(tool))
    return missing('script', tool, (p) => isFile(root, p));
  return [];
}

const CLUSTER_TOOLS = ['helm', '"$HELM"', '$HELM', 'kubectl', '"$KUBECTL"', '$KUBECTL'];

/** What is wrong with one command line, as it would run from the repository root. */
export function commandProblems(root: string, command: string): string[] {
  // One line may chain several commands (&&, ;, |, for ... do ...).
  return command.split(/&&|\|\||;|\||\bdo\b|\bthen\b/).flatMap((part) => {
    const words = part.trim().split(/\s+/).filter(Boolean);
    while (['sudo', 'time', 'env'].includes(words[0] ?? '') || /^\w+=/.test(words[0] ?? ''))
      words.shift();
    const [tool, ...args] = words;
    if (!tool) return [];
    return [
      ...(tool === 'npm' ? npmProblems(root, args) : []),
      ...(CLUSTER_TOOLS.includes(tool) ? clusterToolProblems(root, tool, args) : []),
      ...scriptProblems(root, tool, args),
    ];
  });
}

export function commandFileProblems(root: string, file: string): Problem[] {
  return commands(readFileSync(join(root, file), 'utf8')).flatMap(({ line, command }) =>
    commandProblems(root, command).map((message) => ({
      file,
      line,
      message: `\`${command}\`: ${message}`,
    })),
  );
}

/**
 * markdownlint's rules that prettier does not already enforce: one H1 and first (MD041, MD025),
 * headings one level at a time (MD001), a language on every fence (MD040), no empty links (MD042),
 * no bare URLs (MD034), no trailing spaces or tabs (MD009, MD010), a final newline (MD047).
 */
export function lintProblems(root: string, file: string): Problem[] {
  const markdown = readFileSync(join(root, file), 'utf8');
  const problems: Problem[] = [];
  const report = (line: number, message: string) => problems.push({ file, line, message });
  const text = markdown.split('\n');
  const firstContent = text.findIndex((l) => l.trim() !== '' && !/^<!--.*-->$/.test(l.trim()));
  if (firstContent < 0 || !/^# /.test(text[firstContent]!))
    report(firstContent + 1, 'MD041 the first line is not an H1 heading');
  let level = 0;
  let h1 = 0;
  let inFence = false;
  text.forEach((l, index) => {
    const number = index + 1;
    const fence = /^\s*(```|~~~)\s*(\S*)/.exec(l);
    if (fence) {
      if (!inFence && fence[2] === '')
        report(number, 'MD040 a fenced code block without a language');
      inFence = !inFence;
      return;
    }
    if (/[ \t]+$/.test(l)) report(number, 'MD009 trailing whitespace');
    if (l.includes('\t')) report(number, 'MD010 a hard tab');
    if (inFence) return;
    const heading = /^(#{1,6})\s/.exec(l);
    if (heading) {
      const next = heading[1]!.length;
      if (next === 1 && ++h1 > 1) report(number, 'MD025 more than one H1 heading');
      if (level > 0 && next > level + 1)
        report(number, `MD001 heading jumps from h${level} to h${next}`);
      level = next;
    }
    if (/\[[^\]]*\]\(\s*#?\s*\)/.test(withoutCode(l))) report(number, 'MD042 an empty link');
    if (
      /(^|[\s(])https?:\/\/\S+/.test(
        withoutCode(l).replace(/\[[^\]]*\]\([^)]*\)|<https?:[^>]+>/g, ''),
      )
    )
      report(number, 'MD034 a bare URL (write <url> or [text](url))');
  });
  if (!markdown.endsWith('\n')) report(text.length, 'MD047 the file does not end with a newline');
  return problems;
}

/** The Markdown files checked: docs/ (everything) and every README (links and anchors). */
export function markdownFiles(root: string): { docs: string[]; readmes: string[] } {
  const tracked = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((file) => file && existsSync(join(root, file)));
  return {
    docs: tracked.filter((file) => file.startsWith('docs/')),
    readmes: tracked.filter((file) => /(^|\/)README\.md$/.test(file) && !file.startsWith('docs/')),
  };
}

/**
 * The workshop's shape: every chapter ends with commands to run and what to see, every project page
 * has its Mermaid diagram, and every page of docs/ is reachable by links from docs/INDICE.md.
 */
export function structureProblems(root: string, docs: string[]): Problem[] {
  const problems: Problem[] = [];
  const text = (file: string) => readFileSync(join(root, file), 'utf8');
  for (const file of docs) {
    if (/^docs\/capitulos\/.*\.md$/.test(file)) {
      if (!/^```(bash|sh)$/m.test(text(file)))
        problems.push({
          file,
          line: 1,
          message: 'a chapter without commands to run (a bash block)',
        });
      if (!text(file).includes('Qué deberías ver'))
        problems.push({ file, line: 1, message: 'a chapter without "Qué deberías ver"' });
    }
    if (/^docs\/proyectos\/.*\.md$/.test(file) && !/^```mermaid$/m.test(text(file)))
      problems.push({ file, line: 1, message: 'a project page without a Mermaid diagram' });
  }
  const index = 'docs/INDICE.md';
  if (!docs.includes(index)) return problems;
  const reached = new Set([index]);
  const queue = [index];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const match of withoutCode(text(file)).matchAll(/\]\(\s*<?([^)\s>#]+)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(match[1]!)) continue;
      const target = normalize(join(dirname(file), decodeURIComponent(match[1]!)));
      if (docs.includes(target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  for (const file of docs.filter((f) => !reached.has(f)))
    problems.push({ file, line: 1, message: `not reachable by links from ${index}` });
  return problems;
}

export function checkDocs(root: string, files = markdownFiles(root)): Problem[] {
  return [
    ...files.docs.flatMap((file) => [
      ...linkProblems(root, file),
      ...pathProblems(root, file),
      ...commandFileProblems(root, file),
      ...lintProblems(root, file),
    ]),
    ...structureProblems(root, files.docs),
    ...files.readmes.flatMap((file) => linkProblems(root, file)),
  ];
}

if (resolve(process.argv[1] ?? '') === resolve(import.meta.filename)) {
  const root = join(import.meta.dirname, '../..');
  const files = markdownFiles(root);
  const problems = checkDocs(root, files);
  for (const { file, line, message } of problems)
    console.log(`FAIL ${relative(root, join(root, file))}:${line} ${message}`);
  if (problems.length > 0) process.exit(1);
  console.log(
    `ok   docs: ${files.docs.length} files in docs/ and ${files.readmes.length} READMEs (links, anchors, paths, commands, lint)`,
  );
}
