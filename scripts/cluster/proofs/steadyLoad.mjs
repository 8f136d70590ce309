// Steady load from inside the cluster, through a Service, while something else (a rolling update)
// happens: every request must succeed. Plain Node, no dependencies: it runs in an app image from a
// ConfigMap. Settings: TARGET (URL), DURATION_S, CONCURRENCY, RATE (requests a second in all; unset:
// as fast as the loops go), and for POSTs, BODY (JSON).
const target = process.env.TARGET;
const durationMs = Number(process.env.DURATION_S ?? 60) * 1000;
const concurrency = Number(process.env.CONCURRENCY ?? 4);
const body = process.env.BODY || undefined;
// Each loop waits this long between the starts of its requests, so that all of them make RATE.
const pauseMs = process.env.RATE ? (1000 * concurrency) / Number(process.env.RATE) : 0;

const counts = { requests: 0, failures: 0, byKind: {} };
const fail = (kind) => {
  counts.failures += 1;
  counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
};

async function loop(deadline) {
  while (Date.now() < deadline) {
    const next = Date.now() + pauseMs;
    counts.requests += 1;
    try {
      const response = await fetch(target, {
        method: body ? 'POST' : 'GET',
        headers: body ? { 'content-type': 'application/json' } : {},
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (!response.ok) fail(`http ${response.status}`);
    } catch (error) {
      fail(error.cause?.code ?? error.name);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
}

console.log(`load: started, ${concurrency} loops for ${durationMs / 1000}s against ${target}`);
const deadline = Date.now() + durationMs;
const progress = setInterval(
  () => console.log(`load: ${counts.requests} requests, ${counts.failures} failed`),
  5000,
);
await Promise.all(Array.from({ length: concurrency }, () => loop(deadline)));
clearInterval(progress);
console.log(`load: summary ${JSON.stringify(counts)}`);
process.exit(counts.failures === 0 && counts.requests > 0 ? 0 : 1);
