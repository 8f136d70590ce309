// Orders posted through the order service's Service at a steady pace, then followed until each has
// its final status: none may be lost, whatever happens to the workers meanwhile. Plain Node, no
// dependencies: it runs in an app image from a ConfigMap. Settings: ORDERS_URL, COUNT, RATE (per s),
// TIMEOUT_S (for the last order to be processed after the last is posted).
const base = process.env.ORDERS_URL ?? 'http://order-service:3001';
const count = Number(process.env.COUNT ?? 200);
const rate = Number(process.env.RATE ?? 20);
const timeoutMs = Number(process.env.TIMEOUT_S ?? 180) * 1000;
const run = `proof-${Date.now()}`;

async function post(index) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(`${base}/orders`, {
        method: 'POST',
        // A client retry with the same key is safe: it can never make a second order.
        headers: { 'content-type': 'application/json', 'idempotency-key': `${run}-${index}` },
        body: JSON.stringify({
          customerId: run,
          items: [{ sku: `SKU-${index % 7}`, quantity: 1 + (index % 3) }],
        }),
        signal: AbortSignal.timeout(10_000),
      });
      const order = await response.json();
      if (response.status === 202 || response.status === 200) return order.id;
      throw new Error(`status ${response.status}: ${JSON.stringify(order)}`);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

const ids = [];
for (let index = 0; index < count; index += 1) {
  ids.push(await post(index));
  if ((index + 1) % 50 === 0) console.log(`orders: posted ${index + 1}`);
  await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
}
console.log(`orders: all ${count} accepted; following them to their final status`);

const final = new Map();
const deadline = Date.now() + timeoutMs;
while (final.size < ids.length && Date.now() < deadline) {
  for (const id of ids.filter((id) => !final.has(id))) {
    const response = await fetch(`${base}/orders/${id}`).catch(() => undefined);
    const order = response?.ok ? await response.json() : undefined;
    if (order && order.status !== 'pending') final.set(id, order.status);
  }
  if (final.size < ids.length) await new Promise((resolve) => setTimeout(resolve, 1000));
}
const byStatus = {};
for (const status of final.values()) byStatus[status] = (byStatus[status] ?? 0) + 1;
const lost = ids.length - final.size;
console.log(`orders: summary ${JSON.stringify({ accepted: ids.length, ...byStatus, lost })}`);
process.exit(lost === 0 && (byStatus.processed ?? 0) === ids.length ? 0 : 1);
