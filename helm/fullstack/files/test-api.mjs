// helm test: one real request through the fullstack-api Service (run by node in the app's image).
const base = process.env.BASE_URL;

async function call(method, path, body, headers = {}) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json', ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  console.log(`${method} ${path} -> ${response.status}`);
  return {
    status: response.status,
    headers: response.headers,
    json: text ? JSON.parse(text) : null,
  };
}

function expect(condition, message) {
  if (!condition) {
    console.error(`FAIL: ${message}`);
    process.exit(1);
  }
}

// Right after an install the pods may still be starting: wait up to a minute for readiness.
let ready;
for (let attempt = 0; attempt < 30; attempt++) {
  ready = await call('GET', '/readyz').catch((error) => ({ status: 0, json: String(error) }));
  if (ready.status === 200) break;
  await new Promise((resolve) => setTimeout(resolve, 2000));
}
expect(ready.status === 200, `/readyz answered ${ready.status}: ${JSON.stringify(ready.json)}`);

const title = `helm test ${new Date().toISOString()}`;
const created = await call('POST', '/api/tasks', { title });
expect(created.status === 201, `POST /api/tasks answered ${created.status}`);

const read = await call('GET', `/api/tasks/${created.json.id}`);
expect(
  read.status === 200 && read.json.title === title,
  'the task read back is not the one created',
);

const deleted = await call('DELETE', `/api/tasks/${created.json.id}`, undefined, {
  'if-match': read.headers.get('etag'),
});
expect(deleted.status === 204, `DELETE answered ${deleted.status}`);
console.log('PASS: fullstack-api is ready, creates and reads a task');
