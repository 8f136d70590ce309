import { Gauge, type Registry } from 'prom-client';

/** One queue consumer's in-flight messages, as seen by `queue_consumer_utilisation`. */
export interface ConsumerUtilisation {
  /** Marks one delivery as started; call the returned function once it is acked or rejected. */
  begin(): () => void;
  readonly inFlight: number;
}

export interface ConsumerMetrics {
  /** Tracks a consumer of `queue` that holds at most `capacity` messages at once (its prefetch). */
  track(queue: string, capacity: number): ConsumerUtilisation;
}

interface Tracker extends ConsumerUtilisation {
  /** Share of the capacity used since the previous call, weighted by time (0 to 1). */
  sample(now: number): number;
}

/**
 * Client-side consumer utilisation for message consumers with a prefetch: the time-weighted share
 * of the prefetch window that held a message since the previous scrape. Near 1 the consumer is
 * always full, so more consumers would raise throughput; near 0 it mostly waits for messages.
 * Exports `queue_consumer_utilisation` and `queue_consumer_in_flight_messages`, labelled by queue.
 */
export function createConsumerMetrics(registry: Registry): ConsumerMetrics {
  const trackers = new Map<string, Tracker>();
  new Gauge({
    name: 'queue_consumer_utilisation',
    help: 'Time-weighted share of the consumer prefetch window holding a message since the previous scrape (0-1).',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      const now = performance.now();
      for (const [queue, tracker] of trackers) this.set({ queue }, tracker.sample(now));
    },
  });
  new Gauge({
    name: 'queue_consumer_in_flight_messages',
    help: 'Messages delivered to the consumer and not yet acked or rejected.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      for (const [queue, tracker] of trackers) this.set({ queue }, tracker.inFlight);
    },
  });
  return {
    track(queue, capacity) {
      const tracker = createTracker(Math.max(1, capacity));
      trackers.set(queue, tracker);
      return tracker;
    },
  };
}

function createTracker(capacity: number): Tracker {
  let inFlight = 0;
  let busy = 0; // integral of in-flight messages over time, in message-milliseconds
  let windowStart = performance.now();
  let lastChange = windowStart;
  const advance = (now: number) => {
    busy += inFlight * (now - lastChange);
    lastChange = now;
  };
  return {
    get inFlight() {
      return inFlight;
    },
    begin() {
      advance(performance.now());
      inFlight += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        advance(performance.now());
        inFlight -= 1;
      };
    },
    sample(now) {
      advance(now);
      const elapsed = now - windowStart;
      const ratio = elapsed > 0 ? Math.min(1, busy / (elapsed * capacity)) : 0;
      busy = 0;
      windowStart = now;
      return ratio;
    },
  };
}
