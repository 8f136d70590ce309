// From HPA objects to the end-of-run report. hpas-at-rest.json is `kubectl get hpa -n taller -o
// json` recorded on the project's cluster (the helm/taller release at rest); the scaling series
// reuses its fullstack-api object with the statuses of a scale-up and back, one per HPA sync.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeHpa,
  describeScaledObject,
  hpaSample,
  quantity,
  scaledObjectSample,
  type HpaObject,
} from '../src/kube/hpa.js';
import {
  describeScaling,
  scalingOf,
  unmetExpectations,
  type LoadWindow,
} from '../src/kube/scaling.js';

const fixture = <T>(name: string) =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')) as T;
const atRest = fixture<{ items: HpaObject[] }>('hpas-at-rest.json').items;
const series = fixture<{
  load: LoadWindow;
  snapshots: { at: number; status: HpaObject['status'] }[];
}>('fullstack-api-scaling.json');
const fullstack = atRest.find((hpa) => hpa.metadata?.name === 'fullstack-api')!;
const scalingSamples = series.snapshots.map(({ at, status }) =>
  hpaSample({ ...fullstack, status }, at),
);

describe('HPA samples', () => {
  it('shows replicas and every metric as current/target, unknown ones as ?', () => {
    // A metric without a value yet comes back from the API server as `{ "type": "" }`.
    expect(atRest.map((hpa) => describeHpa(hpaSample(hpa, 0)))).toEqual([
      'hpa fullstack-api: 2 replicas (2-10)  cpu 4%/70%  memory 31%/80%',
      'hpa inference-server: 2 replicas (2-10)  inference_requests_per_second ?/20  cpu 36%/60%',
      'hpa order-service: 2 replicas (2-10)  cpu 6%/70%  memory 29%/80%',
      // The worker's custom metric had no value yet: the HPA wants 0 and min 1 holds it at 1.
      'hpa order-worker: 1 replica → 0 (1-10)  order_worker_utilisation ?/0.7',
    ]);
  });

  it('reads Kubernetes quantities', () => {
    expect(quantity('700m')).toBeCloseTo(0.7);
    expect(quantity('20')).toBe(20);
    expect(quantity('1.5k')).toBe(1500);
    expect(quantity('38496Ki')).toBe(38496 * 1024);
    expect(quantity(3)).toBe(3);
    expect(quantity('lots')).toBeNaN();
  });

  it('follows a KEDA ScaledObject through the HPA it made', () => {
    const sample = scaledObjectSample(
      {
        metadata: { name: 'order-worker' },
        spec: {
          scaleTargetRef: { name: 'order-worker' },
          minReplicaCount: 1,
          maxReplicaCount: 10,
          triggers: [{ type: 'rabbitmq' }],
        },
        status: {
          hpaName: 'keda-hpa-order-worker',
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'Active', status: 'True' },
          ],
        },
      },
      12,
    );
    expect(describeScaledObject(sample)).toBe(
      'scaledobject order-worker: active (rabbitmq; 1-10 replicas of order-worker through hpa keda-hpa-order-worker)',
    );
  });
});

describe('scaling report', () => {
  it('times the scale-up from the load start and the way back from the load end', () => {
    const [report] = scalingOf(scalingSamples, series.load);
    expect(report).toEqual({
      name: 'fullstack-api',
      baseline: 2,
      peak: 6,
      upAfter: expect.closeTo(21.3, 5) as number,
      peakAfter: expect.closeTo(36.1, 5) as number,
      downAfter: expect.closeTo(66.4, 5) as number,
      last: 2,
      watchedAfter: expect.closeTo(66.4, 5) as number,
    });
    expect(describeScaling(report!)).toBe(
      'fullstack-api: scaled up 2 → 6 replicas, the first 21 s after the load started, the peak after 36 s; back down to 2 replicas 66 s after the load ended',
    );
  });

  it('says when the watch ended before the scale-down', () => {
    const cut = scalingSamples.filter((sample) => sample.at < 110);
    expect(describeScaling(scalingOf(cut, series.load)[0]!)).toBe(
      'fullstack-api: scaled up 2 → 6 replicas, the first 21 s after the load started, the peak after 36 s; did not scale back down: 6 replicas 36 s after the load ended',
    );
  });

  it('reports every HPA that did not move', () => {
    const quiet = [0, 15, 30].flatMap((at) => atRest.map((hpa) => hpaSample(hpa, at)));
    expect(scalingOf(quiet, { start: 5, end: 25 }).map(describeScaling)).toEqual([
      'fullstack-api: stayed at 2 replicas (did not scale up)',
      'inference-server: stayed at 2 replicas (did not scale up)',
      'order-service: stayed at 2 replicas (did not scale up)',
      'order-worker: stayed at 1 replica (did not scale up)',
    ]);
  });

  it('fails --expect unless the autoscaler went up and back down', () => {
    const full = scalingOf(scalingSamples, series.load);
    expect(unmetExpectations(full, ['fullstack-api'])).toEqual([]);
    const cut = scalingOf(
      scalingSamples.filter((sample) => sample.at < 110),
      series.load,
    );
    expect(unmetExpectations(cut, ['fullstack-api'])).toEqual([
      expect.stringMatching(
        /^expected fullstack-api to scale up and back down: .*did not scale back down/,
      ),
    ]);
    const quiet = scalingOf(
      atRest.map((hpa) => hpaSample(hpa, 0)),
      { start: 5, end: 25 },
    );
    expect(unmetExpectations(quiet, ['inference-server', 'checkout'])).toEqual([
      'expected inference-server to scale up and back down: inference-server: stayed at 2 replicas (did not scale up)',
      'expected checkout to scale, but no such autoscaler was watched',
    ]);
  });
});
