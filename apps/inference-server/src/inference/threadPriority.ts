import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority by `increment` nice steps. Linux keeps a nice value per
 * thread, and `setPriority` without a pid changes the calling thread only: inference threads then
 * yield the CPU to the event loop, so probes and request parsing stay fast while inference keeps
 * every core busy. Raising nice needs no privilege (fine under `drop: [ALL]`).
 */
export function lowerThreadPriority(increment: number): void {
  if (increment <= 0) return;
  try {
    setPriority(Math.min(19, getPriority() + increment));
  } catch {
    // Not permitted on this platform: run at the default priority.
  }
}
