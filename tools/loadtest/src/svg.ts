// The timeline as a small SVG chart for the docs: requests/s and errors/s on the left axis,
// replicas of each HPA as steps on the right axis, stages marked along the top.
import type { TimelineRow } from './timeline.js';

export interface Marker {
  /** Seconds since the run started. */
  at: number;
  label: string;
}

const WIDTH = 900;
const HEIGHT = 440;
const MARGIN = { top: 64, right: 64, bottom: 48, left: 64 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const LOAD = '#2563eb';
const ERRORS = '#dc2626';
const REPLICAS = ['#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2'];

/** A round axis maximum at or above `value`, with its tick step (1, 2 or 5 times a power of 10). */
export function axis(value: number, ticks = 5): { max: number; step: number } {
  if (!(value > 0)) return { max: 1, step: 1 };
  const rough = value / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const rounded = Math.max(1, step);
  return { max: Math.ceil(value / rounded) * rounded, step: rounded };
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (value: number) => Number(value.toFixed(1));

/** Where a second and a value land on the plot: one scale for load, one for replicas. */
interface Scales {
  seconds: number;
  load: { max: number; step: number };
  pods: { max: number; step: number };
  x: (second: number) => number;
  yLoad: (value: number) => number;
  yPods: (value: number) => number;
}

function scalesOf(rows: TimelineRow[]): Scales {
  const seconds = Math.max(1, rows.length);
  const load = axis(Math.max(...rows.map((r) => Math.max(r.requestsPerSecond, r.errors)), 0));
  const replicaValues = rows.flatMap((r) =>
    [...r.replicas.values()].filter((v) => v !== undefined),
  );
  const most = Math.max(1, ...replicaValues) + 1;
  const pods = axis(most, Math.min(5, most));
  return {
    seconds,
    load,
    pods,
    x: (second) => fixed(MARGIN.left + (second / seconds) * PLOT_W),
    yLoad: (value) => fixed(MARGIN.top + PLOT_H - (value / load.max) * PLOT_H),
    yPods: (value) => fixed(MARGIN.top + PLOT_H - (value / pods.max) * PLOT_H),
  };
}

/** Axes and grid: the left scale's ticks draw the grid, the right scale labels the replicas. */
function axesParts({ seconds, load, pods, x, yLoad, yPods }: Scales): string[] {
  const parts: string[] = [];
  for (let v = 0; v <= load.max; v += load.step) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${yLoad(v)}" y2="${yLoad(v)}" stroke="#e5e7eb"/>`,
      `<text x="${MARGIN.left - 8}" y="${yLoad(v) + 4}" text-anchor="end">${v}</text>`,
    );
  }
  for (let v = 0; v <= pods.max; v += pods.step) {
    parts.push(`<text x="${MARGIN.left + PLOT_W + 8}" y="${yPods(v) + 4}">${v}</text>`);
  }
  const timeStep = axis(seconds, 8).step;
  for (let s = 0; s <= seconds; s += timeStep) {
    parts.push(
      `<text x="${x(s)}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${s}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#9ca3af"/>`,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle">seconds</text>`,
    `<text transform="translate(16 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">requests/s</text>`,
    `<text transform="translate(${WIDTH - 16} ${MARGIN.top + PLOT_H / 2}) rotate(90)" text-anchor="middle">replicas</text>`,
  );
  return parts;
}

/** Each label on the first row where it clears the label before it (7 px a character). */
function markerParts(markers: Marker[], { x }: Scales): string[] {
  const parts: string[] = [];
  const rowEnds: number[] = [];
  for (const marker of [...markers].sort((a, b) => a.at - b.at)) {
    const start = x(marker.at) + 4;
    let row = rowEnds.findIndex((end) => end < start);
    if (row === -1) row = rowEnds.length;
    rowEnds[row] = start + marker.label.length * 7;
    parts.push(
      `<line x1="${x(marker.at)}" x2="${x(marker.at)}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="#6b7280" stroke-dasharray="4 4"/>`,
      `<text x="${start}" y="${MARGIN.top + 14 + row * 14}" fill="#4b5563">${escape(marker.label)}</text>`,
    );
  }
  return parts;
}

/** Each second's value drawn across that second: a step line, as the counts are per second. */
function stepLine(
  values: (number | undefined)[],
  { x }: Scales,
  y: (v: number) => number,
  color: string,
  width: number,
): string {
  const points: string[] = [];
  values.forEach((value, second) => {
    if (value !== undefined)
      points.push(`${x(second)},${y(value)}`, `${x(second + 1)},${y(value)}`);
  });
  return `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="${width}"/>`;
}

function seriesParts(rows: TimelineRow[], names: string[], scales: Scales): string[] {
  return [
    stepLine(
      rows.map((r) => r.requestsPerSecond),
      scales,
      scales.yLoad,
      LOAD,
      1.5,
    ),
    stepLine(
      rows.map((r) => r.errors),
      scales,
      scales.yLoad,
      ERRORS,
      1.5,
    ),
    ...names.map((name, i) =>
      stepLine(
        rows.map((r) => r.replicas.get(name)),
        scales,
        scales.yPods,
        REPLICAS[i % REPLICAS.length]!,
        2.5,
      ),
    ),
  ];
}

function legendParts(rows: TimelineRow[], names: string[]): string[] {
  const legend = [
    { label: 'requests/s', color: LOAD },
    { label: `errors/s (${rows.reduce((sum, r) => sum + r.errors, 0)} in all)`, color: ERRORS },
    ...names.map((name, i) => ({ label: name, color: REPLICAS[i % REPLICAS.length]! })),
  ];
  const parts: string[] = [];
  let left = MARGIN.left;
  for (const { label, color } of legend) {
    parts.push(
      `<line x1="${left}" x2="${left + 18}" y1="${MARGIN.top - 14}" y2="${MARGIN.top - 14}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${left + 24}" y="${MARGIN.top - 10}">${escape(label)}</text>`,
    );
    left += 40 + label.length * 7;
  }
  return parts;
}

export function timelineSvg(rows: TimelineRow[], title: string, markers: Marker[] = []): string {
  const names = [...(rows[0]?.replicas.keys() ?? [])];
  const scales = scalesOf(rows);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" fill="#111827">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`,
    ...axesParts(scales),
    ...markerParts(markers, scales),
    ...seriesParts(rows, names, scales),
    ...legendParts(rows, names),
    '</svg>',
    '',
  ].join('\n');
}
