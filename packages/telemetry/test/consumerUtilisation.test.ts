import { setTimeout as sleep } from 'node:timers/promises';
import parsePrometheus from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createConsumerMetrics, createMetrics } from '../src/index.js';

// Every scrape samples every tracked queue and starts its next window, so a test that wants an
// exact value changes the in-flight count before the scrape that opens the window, never after
// it: a loaded machine may pause for any time between two statements.

async function gauge(metrics: ReturnType<typeof createMetrics>, name: string, queue: string) {
  const families = parsePrometheus(await metrics.registry.metrics());
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => m.labels?.queue === queue);
  return Number(sample?.value);
}

describe('consumer utilisation', () => {
  it('reports the time-weighted share of the prefetch window in use since the last scrape', async () => {
    const metrics = createMetrics();
    const consumers = createConsumerMetrics(metrics.registry);
    const orders = consumers.track('orders', 4);

    // Two of four slots busy for the whole window: exactly 0.5 (what was busy before the window
    // opened does not count).
    const first = orders.begin();
    const second = orders.begin();
    expect(orders.inFlight).toBe(2);
    expect(await gauge(metrics, 'queue_consumer_in_flight_messages', 'orders')).toBe(2); // opens the window
    await sleep(100);
    const opening = performance.now();
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'orders')).toBe(0.5);
    const opened = performance.now();

    // Both finish at once, about halfway through the next window (a second call is a no-op):
    // the window is weighted by how long they were held. The bounds come from clock readings
    // taken around each step, so they hold however long the machine pauses in between.
    await sleep(60);
    const finishing = performance.now();
    first();
    first();
    second();
    const finished = performance.now();
    expect(orders.inFlight).toBe(0);
    await sleep(60);
    const closing = performance.now();
    const partial = await gauge(metrics, 'queue_consumer_utilisation', 'orders');
    const closed = performance.now();
    expect(partial).toBeGreaterThanOrEqual((0.5 * (finishing - opened)) / (closed - opened));
    expect(partial).toBeLessThanOrEqual((0.5 * (finished - opening)) / (closing - opening));
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(0.5);

    // Nothing held for the whole of the next window: exactly 0.
    await sleep(50);
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'orders')).toBe(0);
  });

  it('labels each tracked queue separately in one registry', async () => {
    const metrics = createMetrics();
    const consumers = createConsumerMetrics(metrics.registry);
    const busy = consumers.track('busy', 1);
    consumers.track('idle', 10);
    const done = busy.begin();
    await gauge(metrics, 'queue_consumer_utilisation', 'busy'); // opens a window, already full
    await sleep(50);
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'busy')).toBe(1);
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'idle')).toBe(0);
    done();
  });
});
