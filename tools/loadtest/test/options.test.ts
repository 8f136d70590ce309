// The command line and the load shapes it turns into.
import { describe, expect, it } from 'vitest';
import { parseOptions, targetOf, USAGE } from '../src/options.js';
import { scenarios } from '../src/scenarios/index.js';
import { parseDuration, scaleStages } from '../src/stages.js';

describe('options', () => {
  it('reads durations as people write them', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('2m')).toBe(120);
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('1.5m')).toBe(90);
    expect(parseDuration('1h')).toBe(3600);
    for (const bad of ['', '0s', 'soon', '5 min', '-1s']) {
      expect(() => parseDuration(bad)).toThrow(/not a duration/);
    }
  });

  it('takes the defaults, all scenarios, and a target from --target or the environment', () => {
    const options = parseOptions(['all', '--watch']);
    if (options === 'help') throw new Error('not help');
    expect(options.scenarios.map((s) => s.name)).toEqual(['fullstack', 'orders', 'inference']);
    expect(options).toMatchObject({ duration: 60, timeout: 10, follow: 120, cooldown: 300 });
    expect(options).toMatchObject({ watch: true, namespace: 'taller' });
    const [fullstack, orders] = options.scenarios;
    expect(targetOf(fullstack!, options, {})).toBe('http://localhost:3000');
    expect(targetOf(orders!, options, { ORDERS_URL: 'http://order-service:3001' })).toBe(
      'http://order-service:3001',
    );
    const ingress = parseOptions(['orders', '--target', 'https://taller.localtest.me']);
    if (ingress === 'help') throw new Error('not help');
    expect(targetOf(orders!, ingress, { ORDERS_URL: 'http://x' })).toBe(
      'https://taller.localtest.me',
    );
  });

  it('refuses what it cannot run, naming it', () => {
    expect(() => parseOptions([])).toThrow('name a scenario');
    expect(() => parseOptions(['checkout'])).toThrow('unknown scenario: checkout');
    expect(() => parseOptions(['orders', '--rate', 'fast'])).toThrow('--rate must be an integer');
    expect(() => parseOptions(['orders', '--timeout', '500ms'])).toThrow(/not a duration/);
    expect(() => parseOptions(['orders', '--target', 'nowhere'])).toThrow(/Invalid URL/);
    expect(() => parseOptions(['orders', '--expect', 'order-worker'])).toThrow(
      '--expect needs --watch',
    );
    expect(
      parseOptions(['orders', '--watch', '--expect', 'order-worker,order-service']),
    ).toMatchObject({ expect: ['order-worker', 'order-service'] });
    expect(parseOptions(['--help'])).toBe('help');
    expect(USAGE).toContain('fullstack  read/write mix on /api/tasks');
  });

  it('scales every scenario to its duration and peak, ramps included', () => {
    for (const scenario of Object.values(scenarios)) {
      const total = scenario.stages.reduce((sum, stage) => sum + stage.share, 0);
      expect(total).toBeCloseTo(1, 9);
    }
    expect(scaleStages(scenarios.fullstack!.stages, 60, scenarios.fullstack!.peak)).toEqual([
      { name: 'warm up', seconds: 12, connections: 2, rate: 3 },
      { name: 'ramp', seconds: 12, connections: 4, rate: 6 },
      { name: 'peak', seconds: 24, connections: 8, rate: 9 },
      { name: 'cool down', seconds: 12, connections: 2, rate: 3 },
    ]);
    // A capped rate never gets more connections than requests per second.
    expect(
      scaleStages([{ name: 's', share: 1, connections: 1, rate: 1 }], 10, {
        connections: 50,
        rate: 5,
      }),
    ).toEqual([{ name: 's', seconds: 10, connections: 5, rate: 5 }]);
    expect(
      scaleStages(scenarios.inference!.stages, 100, { connections: 32, rate: 0 }).map(
        (s) => s.connections,
      ),
    ).toEqual([2, 32, 2]);
  });
});
