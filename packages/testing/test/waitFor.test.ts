import { describe, expect, it } from 'vitest';
import { metricValue, waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false, retrying past errors', async () => {
    let calls = 0;
    const value = await waitFor(
      'the third call',
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not yet');
        return calls === 3 ? { calls } : false;
      },
      { intervalMs: 5 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('keeps 0 and empty strings as results', async () => {
    expect(await waitFor('zero', () => 0)).toBe(0);
    expect(await waitFor('empty', async () => '')).toBe('');
  });

  it('fails after the deadline naming what it waited for and the last value', async () => {
    const started = Date.now();
    await expect(
      waitFor('the impossible', () => Promise.reject(new Error('still down')), {
        timeoutMs: 200,
        intervalMs: 20,
      }),
    ).rejects.toThrow(
      'timed out after 200 ms waiting for the impossible (last: Error: still down)',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});

describe('metricValue', () => {
  const text = [
    '# HELP orders_total Orders.',
    '# TYPE orders_total counter',
    'orders_total 7',
    'orders_total_created 1764100000',
    'queue_depth{queue="a"} 3',
    'queue_depth{queue="ab"} 0.5',
  ].join('\n');

  it('reads one series exactly, labels included', () => {
    expect(metricValue(text, 'orders_total')).toBe(7);
    expect(metricValue(text, 'queue_depth{queue="a"}')).toBe(3);
    expect(metricValue(text, 'queue_depth{queue="ab"}')).toBe(0.5);
  });

  it('is 0 for a series that is absent', () => {
    expect(metricValue(text, 'queue_depth{queue="b"}')).toBe(0);
    expect(metricValue(text, 'orders')).toBe(0);
  });
});
