// helm test: one prediction through the inference-server Service (run by node in the app's image).
const base = process.env.BASE_URL;

async function call(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  console.log(`${method} ${path} -> ${response.status}`);
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

function expect(condition, message) {
  if (!condition) {
    console.error(`FAIL: ${message}`);
    process.exit(1);
  }
}

// Right after an install the model may still be loading: wait up to two minutes.
let ready;
for (let attempt = 0; attempt < 60; attempt++) {
  ready = await call('GET', '/readyz').catch((error) => ({ status: 0, json: String(error) }));
  if (ready.status === 200) break;
  await new Promise((resolve) => setTimeout(resolve, 2000));
}
expect(ready.status === 200, `/readyz answered ${ready.status}: ${JSON.stringify(ready.json)}`);

// A "1": a two-pixel-wide vertical stroke on a blank 28x28 image.
const image = Array.from({ length: 28 }, (_, r) =>
  Array.from({ length: 28 }, (_, c) => (r >= 4 && r <= 23 && (c === 13 || c === 14) ? 1 : 0)),
);
const answer = await call('POST', '/v1/models/mnist:predict', { instances: [image] });
expect(answer.status === 200, `predict answered ${answer.status}: ${JSON.stringify(answer.json)}`);
const probabilities = answer.json.predictions[0];
const digit = probabilities.indexOf(Math.max(...probabilities));
expect(digit === 1, `predicted ${digit} for a "1" (${probabilities.join(', ')})`);
console.log(`PASS: inference-server predicts 1 with probability ${probabilities[1]}`);
