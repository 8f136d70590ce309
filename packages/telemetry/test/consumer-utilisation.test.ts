import { setTimeout as sleep } from 'node:timers/promises';
import parsePrometheus from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createConsumerMetrics, createMetrics } from '../src/index.js';

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
    await gauge(metrics, 'queue_consumer_utilisation', 'orders'); // starts a new window

    // Two of four slots busy for the whole window: 0.5.
    const first = orders.begin();
    const second = orders.begin();
    expect(orders.inFlight).toBe(2);
    expect(await gauge(metrics, 'queue_consumer_in_flight_messages', 'orders')).toBe(2);
    await sleep(100);
    const half = await gauge(metrics, 'queue_consumer_utilisation', 'orders');
    expect(half).toBeGreaterThan(0.45);
    expect(half).toBeLessThanOrEqual(0.5);

    // Both finish at once (a second call is a no-op): the next window is idle.
    first();
    first();
    second();
    expect(orders.inFlight).toBe(0);
    await sleep(50);
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'orders')).toBeLessThan(0.05);
  });

  it('labels each tracked queue separately in one registry', async () => {
    const metrics = createMetrics();
    const consumers = createConsumerMetrics(metrics.registry);
    const busy = consumers.track('busy', 1);
    consumers.track('idle', 10);
    await gauge(metrics, 'queue_consumer_utilisation', 'busy');
    const done = busy.begin();
    await sleep(50);
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'busy')).toBeGreaterThan(0.9);
    expect(await gauge(metrics, 'queue_consumer_utilisation', 'idle')).toBe(0);
    done();
  });
});
