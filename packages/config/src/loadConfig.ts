import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';

export interface LoadConfigOptions {
  /** Where plain settings come from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Folder of mounted secret files, one file per key (Docker secrets, a Kubernetes Secret volume).
   * Defaults to `$SECRETS_DIR` or `/run/secrets`.
   */
  secretsDir?: string;
}

/** Thrown when settings are missing or invalid; the message names every bad key, never a value. */
export class ConfigError extends Error {
  constructor(
    readonly keys: string[],
    problems: string[],
  ) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

// Keys whose values must never be echoed, even when they come from the environment
// (URLs are included because connection strings carry passwords).
const SECRET_NAME = /PASS|SECRET|TOKEN|CREDENTIAL|PRIVATE|KEY|_URL$/;

// Which keys of each loaded config are secrets, for `redactConfig`.
const secretKeysOf = new WeakMap<object, ReadonlySet<string>>();

/**
 * Reads each key of `schema` from, in order: the environment variable `KEY`, the file named by
 * `KEY_FILE`, or the file `KEY` (or `key`) in the secrets folder; then validates with the schema.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  options: LoadConfigOptions = {},
): z.output<S> {
  const env = options.env ?? process.env;
  const secretsDir = options.secretsDir ?? env.SECRETS_DIR ?? '/run/secrets';
  const raw: Record<string, string> = {};
  const secrets: string[] = [];
  const secretKeys = new Set<string>();
  const problems: string[] = [];
  const badKeys: string[] = [];

  for (const key of Object.keys(schema.shape)) {
    const fromEnv = nonEmpty(env[key]);
    if (fromEnv !== undefined) {
      raw[key] = fromEnv;
      if (SECRET_NAME.test(key)) {
        secretKeys.add(key);
        secrets.push(fromEnv);
      }
      continue;
    }
    const filePath = nonEmpty(env[`${key}_FILE`]);
    if (filePath !== undefined) {
      const value = readSecret(filePath);
      if (value === undefined) {
        badKeys.push(key);
        problems.push(`${key}_FILE: cannot read ${filePath}`);
      } else {
        raw[key] = value;
        secretKeys.add(key);
        secrets.push(value);
      }
      continue;
    }
    const mounted =
      readSecret(join(secretsDir, key)) ?? readSecret(join(secretsDir, key.toLowerCase()));
    if (mounted !== undefined) {
      raw[key] = mounted;
      secretKeys.add(key);
      secrets.push(mounted);
    }
  }

  const result = schema.safeParse(raw);
  if (result.success && problems.length === 0) {
    for (const key of Object.keys(schema.shape)) if (SECRET_NAME.test(key)) secretKeys.add(key);
    secretKeysOf.set(result.data, secretKeys);
    return result.data;
  }
  for (const issue of result.error?.issues ?? []) {
    const key = issue.path.join('.') || '(settings)';
    badKeys.push(key);
    problems.push(
      `${key}: ${raw[String(issue.path[0])] === undefined ? 'is required' : scrub(issue.message, secrets)}`,
    );
  }
  throw new ConfigError([...new Set(badKeys)], problems);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readSecret(path: string): string | undefined {
  try {
    // Secret files usually end with a newline that is not part of the value.
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch {
    return undefined;
  }
}

function scrub(message: string, secrets: string[]): string {
  return secrets.reduce(
    (text, secret) => (secret ? text.split(secret).join('[redacted]') : text),
    message,
  );
}

/** A copy of a loaded config that is safe to log: secret values are replaced by "[redacted]". */
export function redactConfig<T extends object>(config: T): Record<string, unknown> {
  const secretKeys = secretKeysOf.get(config) ?? new Set<string>();
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      secretKeys.has(key) && value !== undefined ? '[redacted]' : value,
    ]),
  );
}
