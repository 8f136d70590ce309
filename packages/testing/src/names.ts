import { randomBytes } from 'node:crypto';

// One id per test process, so parallel runs on one broker or Redis never see each other's names.
const runId = randomBytes(4).toString('hex');
let counter = 0;

/** A name unique to this test run: for queues, exchanges, Redis key prefixes, databases. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${runId}_${counter}`;
}
