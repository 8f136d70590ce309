import { setTimeout as sleep } from 'node:timers/promises';
import { OverloadedError } from '@taller/telemetry';
import { describe, expect, it } from 'vitest';
import { WriteBatcher } from '../src/db/writeBatcher.js';

describe('WriteBatcher', () => {
  it('writes what arrives together as one batch, and queues behind batches in flight', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const batcher = new WriteBatcher<number, number>(
      async (items) => {
        batches.push(items);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(20);
        inFlight -= 1;
        return items.map((item) => item * 10);
      },
      { maxBatch: 3, maxConcurrent: 2, maxQueued: 100 },
    );
    const first = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(first).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    // While two batches are in flight, later writes wait and leave together.
    const later = [6, 7, 8, 9, 10, 11].map((n) => batcher.submit(n));
    await sleep(5);
    const queued = [12, 13].map((n) => batcher.submit(n));
    await Promise.all([...later, ...queued]);
    expect(batches.slice(2)).toEqual([
      [6, 7, 8],
      [9, 10, 11],
      [12, 13],
    ]);
    expect(maxInFlight).toBe(2);
  });

  it('retries a failed batch row by row when asked, so one bad row fails alone', async () => {
    const batcher = new WriteBatcher<number, number>(
      async (items) => {
        if (items.includes(3)) throw new Error('bad row 3');
        return items;
      },
      { maxBatch: 10, maxConcurrent: 1, maxQueued: 100, splitOnError: () => true },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
  });

  it('fails the whole batch when the error is not about a row', async () => {
    const batcher = new WriteBatcher<number, number>(
      async () => {
        throw new Error('database unavailable');
      },
      { maxBatch: 10, maxConcurrent: 1, maxQueued: 100, splitOnError: () => false },
    );
    const results = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
  });

  it('writes the rows of a split batch within the same concurrency bound', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const batches: number[][] = [];
    const batcher = new WriteBatcher<number, number>(
      async (items) => {
        batches.push(items);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(5);
        inFlight -= 1;
        if (items.length > 1 && items.includes(7)) throw new Error('bad row 7');
        return items;
      },
      { maxBatch: 20, maxConcurrent: 2, maxQueued: 100, splitOnError: () => true },
    );
    const rows = Array.from({ length: 20 }, (_, i) => i);
    await Promise.all(rows.map((n) => batcher.submit(n)));
    expect(batches[0]).toEqual(rows);
    expect(batches.slice(1)).toEqual(rows.map((n) => [n]));
    expect(maxInFlight).toBe(2);
  });

  it('refuses writes past its queue bound, and takes them again once it drains', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new WriteBatcher<number, number>(
      async (items) => {
        await gate;
        return items;
      },
      { maxBatch: 2, maxConcurrent: 1, maxQueued: 3 },
    );
    const first = batcher.submit(1);
    await sleep(5); // its batch is in flight, held by the gate
    const queued = [2, 3, 4].map((n) => batcher.submit(n));
    const refused = batcher.submit(5);
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1 });
    release();
    expect(await Promise.all([first, ...queued])).toEqual([1, 2, 3, 4]);
    expect(await batcher.submit(6)).toBe(6);
  });
});
