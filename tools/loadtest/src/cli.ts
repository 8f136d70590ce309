#!/usr/bin/env node
// npm run loadtest -- <scenario> [options]; see USAGE or the README.
import { runLoad } from './loadRun.js';
import { parseOptions, USAGE } from './options.js';

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}

// The first Ctrl-C (or a Job's SIGTERM) ends the load and still reports; a second one quits.
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stop.abort();
    process.once(signal, () => process.exit(130));
  });
}

try {
  process.exitCode = await runLoad(options, {
    out: process.stdout,
    tty: process.stdout.isTTY === true,
    env: process.env,
    signal: stop.signal,
  });
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
