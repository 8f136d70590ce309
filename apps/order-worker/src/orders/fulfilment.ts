import { setTimeout as sleep } from 'node:timers/promises';

/** A failure worth retrying later: the message goes to a retry queue, not the dead-letter queue. */
export class TransientFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientFailure';
  }
}

export interface FulfilmentOptions {
  delayMs: number;
  /** Share of attempts that fail at random (0 to 1). */
  failureRate: number;
  /** Every order's first attempts that fail, for deterministic demos and tests. */
  failingAttempts: number;
}

/**
 * The simulated fulfilment step (reserving stock, booking a courier): it takes `delayMs` and
 * fails transiently as configured. `attempt` counts from 0 (first delivery, no retries yet).
 */
export async function fulfil(attempt: number, options: FulfilmentOptions): Promise<void> {
  if (options.delayMs > 0) await sleep(options.delayMs);
  if (attempt < options.failingAttempts) {
    throw new TransientFailure(`simulated: fulfilment attempt ${attempt + 1} failed`);
  }
  if (options.failureRate > 0 && Math.random() < options.failureRate) {
    throw new TransientFailure('simulated: the fulfilment service is unavailable');
  }
}
