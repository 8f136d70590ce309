import { createLogger, type Logger } from '@taller/telemetry';
import { captureLines } from '@taller/testing';
import pg from 'pg';

/** A logger whose JSON lines the test reads back. */
export function capturingLogger(level = 'debug'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const { destination, lines } = captureLines();
  return { logger: createLogger({ name: 'postgres-test', level, destination }), lines };
}

/** The tables of the public schema, sorted. */
export async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}
