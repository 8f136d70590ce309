// helm test: one order through the whole system (run by node in the order-service image).
const service = process.env.ORDER_SERVICE_URL;
const worker = process.env.ORDER_WORKER_URL;
const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS) * 1000;

async function call(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json', ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  console.log(`${method} ${url} -> ${response.status}`);
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

function expect(condition, message) {
  if (!condition) {
    console.error(`FAIL: ${message}`);
    process.exit(1);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Right after an install the pods may still be starting: wait for both to be ready.
for (const url of [`${service}/readyz`, `${worker}/readyz`]) {
  let ready;
  while (Date.now() < deadline) {
    ready = await call('GET', url).catch((error) => ({ status: 0, json: String(error) }));
    if (ready.status === 200) break;
    await sleep(2000);
  }
  expect(ready.status === 200, `${url} answered ${ready.status}: ${JSON.stringify(ready.json)}`);
}

const order = { customerId: 'helm-test', items: [{ sku: 'HELM-TEST', quantity: 1 }] };
const created = await call('POST', `${service}/orders`, order, {
  'idempotency-key': crypto.randomUUID(),
});
expect(created.status === 202, `POST /orders answered ${created.status}`);

let current = created.json;
while (current.status === 'pending' && Date.now() < deadline) {
  await sleep(1000);
  current = (await call('GET', `${service}/orders/${created.json.id}`)).json;
}
expect(current.status === 'processed', `order ${created.json.id} is ${current.status}`);
console.log(`PASS: order ${current.id} processed, total ${current.result.totals.totalCents} cents`);
