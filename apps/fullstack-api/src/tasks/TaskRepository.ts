import type pg from 'pg';
import { ApiError } from '../http/apiError.js';
import type { Cursor } from './cursor.js';
import type { CreateTask, Task, TaskStatus } from './taskSchemas.js';

const COLUMNS = `id, title, description, status, version,
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const ORDER = 'ORDER BY created_at DESC, id DESC';

// Static statements only (values always travel as parameters), each prepared once per connection
// by name. One statement per list shape keeps every plan on its index.
const SQL = {
  insert: `INSERT INTO tasks (title, description, status) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
  get: `SELECT ${COLUMNS} FROM tasks WHERE id = $1`,
  list: `SELECT ${COLUMNS} FROM tasks ${ORDER} LIMIT $1`,
  listAfter: `SELECT ${COLUMNS} FROM tasks WHERE (created_at, id) < ($2, $3) ${ORDER} LIMIT $1`,
  listStatus: `SELECT ${COLUMNS} FROM tasks WHERE status = $2 ${ORDER} LIMIT $1`,
  listStatusAfter: `SELECT ${COLUMNS} FROM tasks
    WHERE status = $2 AND (created_at, id) < ($3, $4) ${ORDER} LIMIT $1`,
  // $2: the versions the client may have read; NULL means any (If-Match: *).
  update: `UPDATE tasks SET
      title = COALESCE($3, title),
      description = COALESCE($4, description),
      status = COALESCE($5, status),
      version = version + 1,
      updated_at = now()
    WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))
    RETURNING ${COLUMNS}`,
  delete: `DELETE FROM tasks WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))`,
  version: `SELECT version FROM tasks WHERE id = $1`,
} as const;

export interface TaskPage {
  items: Task[];
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

  async create({ title, description, status }: CreateTask): Promise<Task> {
    const { rows } = await this.#query<Task>('insert', [title, description, status]);
    return rows[0]!;
  }

  async get(id: string): Promise<Task | undefined> {
    const { rows } = await this.#query<Task>('get', [id]);
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
    // One row more than asked says whether another page exists.
    const { rows } = status
      ? after
        ? await this.#query<Task>('listStatusAfter', [limit + 1, status, after.createdAt, after.id])
        : await this.#query<Task>('listStatus', [limit + 1, status])
      : after
        ? await this.#query<Task>('listAfter', [limit + 1, after.createdAt, after.id])
        : await this.#query<Task>('list', [limit + 1]);
    if (rows.length <= limit) return { items: rows };
    const items = rows.slice(0, limit);
    const last = items[items.length - 1]!;
    return { items, next: { createdAt: last.createdAt, id: last.id } };
  }

  async update(
    id: string,
    changes: TaskChanges,
    expected: ExpectedVersions,
  ): Promise<WriteOutcome<Task>> {
    const { rows } = await this.#query<Task>('update', [
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
      if (isUnavailable(error)) {
        throw new ApiError(
          503,
          'database_unavailable',
          'The database is unavailable; retry shortly',
          null,
          {
            'retry-after': '1',
          },
          { cause: error },
        );
      }
      throw error;
    }
  }
}

// Errors that say "not now" rather than "never": no connection, a timeout, the server shutting
// down or out of connections. They become a 503 the client may retry; anything else is a bug.
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (sqlState === undefined) return true;
  return /^(08|53|57)/.test(sqlState);
}
