// End-to-end smoke test of the compose stack over its published ports: each app's version (the
// image's, EXPECT_VERSION when set), the task board's page and API, an order processed by the
// worker, a prediction. Plain Node (no dependencies) so that it
// runs against the containers without the repository's node_modules.
import assert from 'node:assert/strict';

const FULLSTACK = process.env.FULLSTACK_URL ?? 'http://127.0.0.1:3000';
const ORDERS = process.env.ORDERS_URL ?? 'http://127.0.0.1:3001';
const INFERENCE = process.env.INFERENCE_URL ?? 'http://127.0.0.1:3003';

async function until(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

async function json(url, init) {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

const ready = (base) => until(`${base}/readyz`, async () => (await fetch(`${base}/readyz`)).ok);
await Promise.all([ready(FULLSTACK), ready(ORDERS), ready(INFERENCE)]);

// 0. What runs: the version the image was built with, as /version and build_info say.
for (const [service, base] of [
  ['fullstack-api', FULLSTACK],
  ['order-service', ORDERS],
  ['inference-server', INFERENCE],
]) {
  const { body } = await json(`${base}/version`);
  assert.equal(body.service, service);
  if (process.env.EXPECT_VERSION) assert.equal(body.version, process.env.EXPECT_VERSION);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.ok(metrics.includes(`build_info{service="${service}",version="${body.version}"`));
  console.log(`smoke: ${service} ${body.version} on Node.js ${body.node}`);
}

// 1. The task board: the page, then a task created and read back through the page's API.
const page = await fetch(`${FULLSTACK}/`);
assert.equal(page.status, 200);
assert.match(page.headers.get('content-type'), /text\/html/);
const title = `smoke ${new Date().toISOString()}`;
const created = await json(`${FULLSTACK}/api/tasks`, {
  method: 'POST',
  body: JSON.stringify({ title }),
});
assert.equal(created.status, 201, JSON.stringify(created.body));
const read = await json(`${FULLSTACK}/api/tasks/${created.body.id}`);
assert.equal(read.status, 200);
assert.equal(read.body.title, title);
console.log(`smoke: task ${created.body.id} created and read back`);

// 2. An order accepted by the service, processed by the worker through RabbitMQ.
const order = await json(`${ORDERS}/orders`, {
  method: 'POST',
  headers: { 'idempotency-key': `smoke-${Date.now()}` },
  body: JSON.stringify({ customerId: 'smoke', items: [{ sku: 'SKU-1', quantity: 2 }] }),
});
assert.equal(order.status, 202, JSON.stringify(order.body));
const processed = await until(
  'the order to be processed',
  async () => {
    const current = await json(`${ORDERS}/orders/${order.body.id}`);
    return current.body?.status === 'processed' ? current.body : undefined;
  },
  60_000,
);
console.log(`smoke: order ${processed.id} processed`);

// 3. A prediction in TF Serving's row format.
const image = Array.from({ length: 28 }, (_, row) =>
  Array.from({ length: 28 }, (_, col) => (col === 14 && row > 4 && row < 24 ? 1 : 0)),
);
const prediction = await json(`${INFERENCE}/v1/models/mnist:predict`, {
  method: 'POST',
  body: JSON.stringify({ instances: [image] }),
});
assert.equal(prediction.status, 200, JSON.stringify(prediction.body));
const [probabilities] = prediction.body.predictions;
assert.equal(probabilities.length, 10);
assert.ok(Math.abs(probabilities.reduce((sum, p) => sum + p, 0) - 1) < 1e-3);
const digit = probabilities.indexOf(Math.max(...probabilities));
console.log(`smoke: a vertical stroke is predicted as ${digit}`);
