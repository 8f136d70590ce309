import { isIP } from 'node:net';
import { loadConfig, serverSettings, shutdownSettings } from '@taller/config';
import { databaseSettings } from '@taller/postgres';
import { z } from 'zod';

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

// Express's `trust proxy`: `false`, a hop count, or a comma-separated list of addresses, subnets
// and the names `loopback`, `linklocal`, `uniquelocal`. Not `true`: that trusts every
// X-Forwarded-For entry, which any client writes, and so lets it pick its address for the limiter.
const trustProxy = z
  .string()
  .default('false')
  .transform((value, ctx): false | number | string => {
    if (value === 'false') return false;
    if (value === 'true') {
      ctx.addIssue({
        code: 'custom',
        message:
          "true lets any client choose its address (X-Forwarded-For): give the hop count (1 behind one Ingress) or the proxies' subnets",
      });
      return z.NEVER;
    }
    if (/^\d+$/.test(value)) return Number(value);
    const parts = value.split(',').map((part) => part.trim());
    const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
    const bad = parts.filter((part) => !named.has(part) && isIP(part.split('/')[0] ?? '') === 0);
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not an address, subnet or name: ${bad.join(', ')}`,
      });
      return z.NEVER;
    }
    return parts.join(',');
  });

const origins = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })));

export const configSchema = z.object({
  ...serverSettings({ port: 3000 }),

  // PostgreSQL: DATABASE_URL or the PG* parts, pool size and timeouts.
  ...databaseSettings({ database: 'tasks' }),

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  // Completes a REDIS_URL that carries no password (URL in a ConfigMap, password in a Secret).
  REDIS_PASSWORD: z.string().optional(),
  REDIS_PREFIX: z.string().default('fullstack:'),
  REDIS_COMMAND_TIMEOUT_MS: milliseconds(200),
  REDIS_COOLDOWN_MS: milliseconds(1000),

  CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(60),
  RATE_LIMIT_POINTS: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),

  TRUST_PROXY: trustProxy,
  CORS_ORIGINS: origins,
  JSON_BODY_LIMIT_BYTES: z.coerce.number().int().min(64).default(16_384),

  ...shutdownSettings(),
});

export type Config = z.output<typeof configSchema>;

/** The settings from the environment and mounted secret files; throws a ConfigError naming bad keys. */
export function readConfig(): Config {
  return loadConfig(configSchema);
}
