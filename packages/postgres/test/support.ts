import { createLogger, type Logger } from '@taller/telemetry';
import { captureLines } from '@taller/testing';

/** A logger whose JSON lines the test reads back. */
export function capturingLogger(level = 'debug'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const { destination, lines } = captureLines();
  return { logger: createLogger({ name: 'postgres-test', level, destination }), lines };
}
