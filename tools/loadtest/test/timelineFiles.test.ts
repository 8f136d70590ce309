// The timeline and its two files: one CSV row per second with each HPA's replicas as last seen,
// and an SVG whose lines follow the same numbers.
import { describe, expect, it } from 'vitest';
import { timelineCsv } from '../src/csv.js';
import type { HpaSample } from '../src/kube/hpa.js';
import { Outcomes } from '../src/outcomes.js';
import { axis, timelineSvg } from '../src/svg.js';
import { timeline } from '../src/timeline.js';

const sample = (name: string, at: number, current: number): HpaSample => ({
  at,
  name,
  target: `Deployment/${name}`,
  min: 1,
  max: 5,
  current,
  desired: current,
  metrics: [],
});

function recorded() {
  const outcomes = new Outcomes(0);
  outcomes.response(200, 10, 100);
  outcomes.response(201, 30, 900);
  outcomes.response(503, 5, 1500);
  outcomes.error('timeout', 2500);
  outcomes.response(200, 20, 2600);
  const hpas = [
    sample('web', 0.2, 1),
    sample('web', 2.4, 3),
    sample('web', 3.5, 2),
    sample('api & co', 1.2, 2),
  ];
  return timeline(outcomes.seconds, hpas);
}

describe('timeline files', () => {
  it('writes one CSV row per second, replicas as last seen by the end of it', () => {
    expect(timelineCsv(recorded())).toBe(
      [
        'second,requests_per_second,p99_ms,errors,replicas_api & co,replicas_web',
        '0,2,30,0,,1',
        '1,1,5,1,2,1',
        '2,1,20,1,2,3',
        '3,0,,0,2,2',
        '',
      ].join('\n'),
    );
  });

  it('draws load, errors and each HPA as step lines on a titled, labelled chart', () => {
    const svg = timelineSvg(recorded(), 'demo <run>', [{ at: 1, label: 'peak' }]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('demo &lt;run&gt;');
    expect(svg).toContain('>api &amp; co</text>');
    expect(svg.match(/<polyline /g)).toHaveLength(4); // requests, errors, two HPAs
    expect(svg).toContain('>peak</text>');
    // The errors' total is always in the legend: a run without any says so.
    expect(svg).toMatch(/>errors\/s \(\d+ in all\)<\/text>/);
    // Every point is a number inside the 900 x 440 canvas.
    const points = [...svg.matchAll(/points="([^"]*)"/g)].flatMap((m) => m[1]!.split(' '));
    for (const point of points) {
      const [x, y] = point.split(',').map(Number);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(900);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(440);
    }
  });

  it('puts a marker label on a lower row when it would run into the one before', () => {
    const svg = timelineSvg(recorded(), 'markers', [
      { at: 1, label: 'fullstack-api: rollout to revision 2' },
      { at: 1.5, label: 'peak' },
      { at: 3, label: 'cool down' },
    ]);
    const rowOf = (label: string) =>
      Number(new RegExp(`y="([\\d.]+)" fill="#4b5563">${label}<`).exec(svg)?.[1]);
    expect(rowOf('peak')).toBeGreaterThan(rowOf('fullstack-api: rollout to revision 2'));
    expect(rowOf('cool down')).toBe(rowOf('fullstack-api: rollout to revision 2'));
  });

  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    expect(axis(0)).toEqual({ max: 1, step: 1 });
    expect(axis(7)).toEqual({ max: 8, step: 2 });
    expect(axis(430)).toEqual({ max: 500, step: 100 });
    expect(axis(1234)).toEqual({ max: 1500, step: 500 });
  });
});
