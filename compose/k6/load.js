// Steady load on the three projects, from inside the compose network:
//   docker compose --profile load run --rm load
// Watch it in Grafana (--profile observability) or with `docker stats`.
import http from 'k6/http';
import { check } from 'k6';

const vus = Number(__ENV.VUS || 20);
const duration = __ENV.DURATION || '60s';

export const options = {
  scenarios: {
    tasks: { executor: 'constant-vus', exec: 'tasks', vus, duration },
    orders: { executor: 'constant-vus', exec: 'orders', vus: Math.max(1, vus / 2), duration },
    inference: { executor: 'constant-vus', exec: 'inference', vus, duration },
  },
  thresholds: { http_req_failed: ['rate<0.01'] },
};

const json = { headers: { 'content-type': 'application/json' } };
// The task board's shared rate limiter answering 429 is part of the demo, not a failure.
http.setResponseCallback(http.expectedStatuses(200, 201, 202, 429));
const stroke = Array.from({ length: 28 }, (_, row) =>
  Array.from({ length: 28 }, (_, col) => (col === 14 && row > 4 && row < 24 ? 1 : 0)),
);

export function tasks() {
  const created = http.post(
    'http://fullstack-api:3000/api/tasks',
    JSON.stringify({ title: `load ${__VU}-${__ITER}` }),
    json,
  );
  check(created, { 'task created or rate limited': (r) => r.status === 201 || r.status === 429 });
  const listed = http.get('http://fullstack-api:3000/api/tasks?limit=20');
  check(listed, { 'tasks listed or rate limited': (r) => r.status === 200 || r.status === 429 });
}

export function orders() {
  const order = {
    customerId: `load-${__VU}`,
    items: [{ sku: 'SKU-1', quantity: 1 + (__ITER % 5) }],
  };
  check(http.post('http://order-service:3001/orders', JSON.stringify(order), json), {
    'order accepted': (r) => r.status === 202,
  });
}

export function inference() {
  const response = http.post(
    'http://inference-server:3003/v1/models/mnist:predict',
    JSON.stringify({ instances: [stroke] }),
    json,
  );
  check(response, { predicted: (r) => r.status === 200 });
}
