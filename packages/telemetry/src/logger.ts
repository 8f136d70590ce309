import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Service name, added to every line. */
  name: string;
  level?: string;
  /** Extra paths to redact, in pino's path syntax. */
  redact?: string[];
  /** Where lines go; stdout when omitted (tests pass a stream to read them back). */
  destination?: NodeJS.WritableStream;
}

// Credentials that could reach a log line through request headers or logged objects.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'connectionString',
  '*.connectionString',
];

/** JSON lines on stdout, one logger per process; children carry the request id. */
export function createLogger({
  name,
  level = 'info',
  redact = [],
  destination,
}: LoggerOptions): Logger {
  const options = {
    name,
    level,
    base: { service: name },
    redact: { paths: [...REDACTED_PATHS, ...redact], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Synchronous stdout: a line is out when the call returns. pino's default buffers and writes
  // asynchronously, and a process ending on process.exit could lose its last lines that way
  // (a shutdown's "shutdown complete", seen under load).
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
