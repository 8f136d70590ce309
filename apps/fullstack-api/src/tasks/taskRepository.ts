import type pg from 'pg';
import { databaseApiError } from '@taller/postgres';
import type { Cursor } from './cursor.js';
import type { CreateTask, TaskStatus } from './taskSchemas.js';

/**
 * A task as stored, already rendered as its API JSON by PostgreSQL (`row_to_json`): the API
 * sends it as is, so no row of it is parsed into JavaScript values only to be serialised again.
 */
export interface StoredTask {
  id: string;
  version: number;
  json: string;
}

// The API's fields, in the API's order; timestamps as JavaScript's toISOString() writes them
// (the columns hold milliseconds, so nothing is rounded).
const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const FIELDS = `id, title, description, status, version,
  ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt"`;
const RENDER = 'SELECT t.id, t.version, row_to_json(t)::text AS json';
// A page in one row: its tasks' JSON joined by commas, and where the next page starts (the last
// task's position) when a task beyond the page exists. One row rather than one per task spares
// the driver parsing each row only for the app to join them.
const listed = (where: string) => `SELECT
    coalesce(string_agg(p.json, ',' ORDER BY p.n) FILTER (WHERE p.n <= $1), '') AS items,
    max(p."createdAt") FILTER (WHERE p.n = $1 AND p.more) AS "nextCreatedAt",
    max(p.id::text) FILTER (WHERE p.n = $1 AND p.more) AS "nextId"
  FROM (
    SELECT row_to_json(t)::text AS json, t."createdAt", t.id,
      row_number() OVER w AS n, count(*) OVER () > $1 AS more
    FROM (SELECT ${FIELDS} FROM tasks ${where} ORDER BY created_at DESC, id DESC LIMIT $1 + 1) AS t
    WINDOW w AS (ORDER BY t."createdAt" DESC, t.id DESC)
  ) AS p`;

// Static statements only (values always travel as parameters), each prepared once per connection
// by name. One statement per list shape keeps every plan on its index.
const SQL = {
  insert: `WITH t AS (
    INSERT INTO tasks (title, description, status) VALUES ($1, $2, $3) RETURNING ${FIELDS}
  ) ${RENDER} FROM t`,
  get: `${RENDER} FROM (SELECT ${FIELDS} FROM tasks WHERE id = $1) AS t`,
  list: listed(''),
  listAfter: listed('WHERE (created_at, id) < ($2::timestamptz, $3::uuid)'),
  listStatus: listed('WHERE status = $2'),
  listStatusAfter: listed('WHERE status = $2 AND (created_at, id) < ($3::timestamptz, $4::uuid)'),
  // $2: the versions the client may have read; NULL means any (If-Match: *).
  update: `WITH t AS (
    UPDATE tasks SET
      title = COALESCE($3, title),
      description = COALESCE($4, description),
      status = COALESCE($5, status),
      version = version + 1,
      updated_at = now()
    WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))
    RETURNING ${FIELDS}
  ) ${RENDER} FROM t`,
  delete: `DELETE FROM tasks WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))`,
  version: `SELECT version FROM tasks WHERE id = $1`,
} as const;

export interface TaskPage {
  /** The tasks' JSON, newest first, joined by commas. */
  items: string;
  /** Where the next page starts; absent on the last page. */
  next?: Cursor;
}

export interface TaskChanges {
  title?: string;
  description?: string;
  status?: TaskStatus;
}

/** Which versions a conditional write accepts; `undefined` accepts any. */
export type ExpectedVersions = number[] | undefined;

export type WriteOutcome<T> =
  { kind: 'done'; value: T } | { kind: 'not_found' } | { kind: 'stale'; currentVersion: number };

/** Tasks in PostgreSQL, the source of truth. */
export class TaskRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create({ title, description, status }: CreateTask): Promise<StoredTask> {
    const { rows } = await this.#query<StoredTask>('insert', [title, description, status]);
    return rows[0]!;
  }

  async get(id: string): Promise<StoredTask | undefined> {
    const { rows } = await this.#query<StoredTask>('get', [id]);
    return rows[0];
  }

  async list({
    limit,
    status,
    after,
  }: {
    limit: number;
    status?: TaskStatus;
    after?: Cursor;
  }): Promise<TaskPage> {
    type Row = { items: string; nextCreatedAt: string | null; nextId: string | null };
    const { rows } = status
      ? after
        ? await this.#query<Row>('listStatusAfter', [limit, status, after.createdAt, after.id])
        : await this.#query<Row>('listStatus', [limit, status])
      : after
        ? await this.#query<Row>('listAfter', [limit, after.createdAt, after.id])
        : await this.#query<Row>('list', [limit]);
    const { items, nextCreatedAt, nextId } = rows[0]!;
    return {
      items,
      next: nextCreatedAt && nextId ? { createdAt: nextCreatedAt, id: nextId } : undefined,
    };
  }

  async update(
    id: string,
    changes: TaskChanges,
    expected: ExpectedVersions,
  ): Promise<WriteOutcome<StoredTask>> {
    const { rows } = await this.#query<StoredTask>('update', [
      id,
      expected ?? null,
      changes.title ?? null,
      changes.description ?? null,
      changes.status ?? null,
    ]);
    return rows[0] ? { kind: 'done', value: rows[0] } : this.#whyNot(id);
  }

  async delete(id: string, expected: ExpectedVersions): Promise<WriteOutcome<null>> {
    const { rowCount } = await this.#query('delete', [id, expected ?? null]);
    return rowCount ? { kind: 'done', value: null } : this.#whyNot(id);
  }

  // A conditional write touched no row: the task is gone, or its version moved on.
  async #whyNot(
    id: string,
  ): Promise<{ kind: 'not_found' } | { kind: 'stale'; currentVersion: number }> {
    const { rows } = await this.#query<{ version: number }>('version', [id]);
    return rows[0] ? { kind: 'stale', currentVersion: rows[0].version } : { kind: 'not_found' };
  }

  async #query<R extends pg.QueryResultRow>(
    name: keyof typeof SQL,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>({ name: `tasks-${name}`, text: SQL[name], values });
    } catch (error) {
      throw databaseApiError(error) ?? error;
    }
  }
}
