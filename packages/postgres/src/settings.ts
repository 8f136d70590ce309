import type pg from 'pg';
import { z } from 'zod';

/**
 * The database settings every app with a database reads, as a zod shape to spread into its config
 * schema: DATABASE_URL or the PG* parts (PGPASSWORD also completes a URL that carries no
 * password), the pool size and the timeouts. `database` is the default PGDATABASE.
 */
export function databaseSettings({ database }: { database: string }) {
  return {
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    PGHOST: z.string().default('127.0.0.1'),
    PGPORT: z.coerce.number().int().min(1).max(65535).default(5432),
    PGUSER: z.string().default('postgres'),
    PGPASSWORD: z.string().optional(),
    PGDATABASE: z.string().default(database),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).default(2000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  };
}

export type DatabaseSettings = z.output<z.ZodObject<ReturnType<typeof databaseSettings>>>;

/** The part of the settings that says where to connect. */
export type ConnectionSettings = Pick<
  DatabaseSettings,
  'DATABASE_URL' | 'PGHOST' | 'PGPORT' | 'PGUSER' | 'PGPASSWORD' | 'PGDATABASE'
>;

/**
 * Where to connect: DATABASE_URL when set (its password completed from PGPASSWORD, so the URL can
 * live in a ConfigMap and the password in a Secret), else the PG* parts.
 */
export function connectionConfig(settings: ConnectionSettings): pg.ClientConfig {
  if (settings.DATABASE_URL) {
    const url = new URL(settings.DATABASE_URL);
    if (!url.password && settings.PGPASSWORD) url.password = settings.PGPASSWORD;
    return { connectionString: url.toString() };
  }
  return {
    host: settings.PGHOST,
    port: settings.PGPORT,
    user: settings.PGUSER,
    password: settings.PGPASSWORD,
    database: settings.PGDATABASE,
  };
}
