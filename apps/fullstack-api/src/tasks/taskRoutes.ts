import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { ApiError } from '@taller/telemetry';
import { validationError } from '../http/apiError.js';
import { methodNotAllowed } from '../http/errorHandler.js';
import { jsonBody } from '../http/jsonBody.js';
import { sendJson } from '../http/sendJson.js';
import type { RateLimiter, RequestCount } from '../http/rateLimit.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { etagOf, ifMatchVersions, ifNoneMatchHits } from './preconditions.js';
import type { TaskCache } from './taskCache.js';
import type { TaskMetrics } from '../metrics.js';
import type {
  ExpectedVersions,
  StoredTask,
  TaskRepository,
  WriteOutcome,
} from './taskRepository.js';
import { createTaskBody, listTasksQuery, taskId, updateTaskBody } from './taskSchemas.js';

export interface TaskRoutesOptions {
  repository: TaskRepository;
  cache: TaskCache;
  limiter: RateLimiter;
  metrics: TaskMetrics;
  bodyLimitBytes: number;
}

/**
 * `/tasks` and `/tasks/:id` on the `/api` router, behind the rate limit. Reads count their
 * request in the cache lookup's own Redis round trip; the limiter's middleware, added here after
 * them, counts every other request on `router`, these routes' and any added later.
 */
export function taskRoutes(router: Router, options: TaskRoutesOptions): void {
  const body = jsonBody(options.bodyLimitBytes);
  router.get('/tasks', listTasks(options));
  router.get('/tasks/:id', readTask(options));
  router.use(options.limiter.middleware());
  router
    .route('/tasks')
    .post(body, createTask(options))
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));
  router
    .route('/tasks/:id')
    .patch(body, updateTask(options))
    .delete(deleteTask(options))
    .all(methodNotAllowed(['GET', 'HEAD', 'PATCH', 'DELETE']));
}

/** `GET /tasks`: one page, newest first, from the cache or PostgreSQL. */
function listTasks({ repository, cache, limiter }: TaskRoutesOptions): RequestHandler {
  return async (req, res) => {
    const count = limiter.count(req);
    const { query, after } = await countedInput(count, () => {
      const query = parse(listTasksQuery, req.query, 'invalid_query');
      return { query, after: query.cursor === undefined ? undefined : cursorFrom(query.cursor) };
    });
    const key = `${query.status ?? '*'}:${query.limit}:${after ? `${after.createdAt}:${after.id}` : ''}`;
    const page = await cache.read(
      { kind: 'list', query: key },
      async () => {
        const { items, next } = await repository.list({
          limit: query.limit,
          status: query.status,
          after,
        });
        return `{"items":[${items}],"nextCursor":${next ? `"${encodeCursor(next)}"` : 'null'}}`;
      },
      count,
    );
    res.setHeader('cache-control', 'no-cache');
    sendJson(res, page!);
  };
}

/** `GET /tasks/:id`: the task with its version as ETag, or 304 when the client has it. */
function readTask({ repository, cache, limiter }: TaskRoutesOptions): RequestHandler {
  return async (req, res) => {
    const count = limiter.count(req);
    const id = await countedInput(count, () => idFrom(req));
    // Cached as "<version>:<json>", so a hit needs no parsing to answer with its ETag.
    const cached = await cache.read(
      { kind: 'task', id },
      async () => {
        const task = await repository.get(id);
        return task && `${task.version}:${task.json}`;
      },
      count,
    );
    if (cached === undefined) throw taskNotFound(id);
    const colon = cached.indexOf(':');
    const etag = etagOf(cached.slice(0, colon));
    res.setHeader('etag', etag);
    res.setHeader('cache-control', 'no-cache');
    if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
      res.status(304).end();
      return;
    }
    sendJson(res, cached.slice(colon + 1));
  };
}

/** `POST /tasks`: 201 with the new task and its location. */
function createTask({ repository, cache, metrics }: TaskRoutesOptions): RequestHandler {
  return async (req, res) => {
    const task = await repository.create(parse(createTaskBody, req.body, 'invalid_body'));
    metrics.created.inc();
    await cache.invalidate();
    res.status(201).set('location', `${req.baseUrl}/tasks/${task.id}`);
    sendTask(res, task);
  };
}

/** `PATCH /tasks/:id`: the changed task, when the client names the version it changes. */
function updateTask({ repository, cache, metrics }: TaskRoutesOptions): RequestHandler {
  return async (req, res) => {
    const id = idFrom(req);
    const { version, ...changes } = parse(updateTaskBody, req.body, 'invalid_body');
    const ifMatch = ifMatchVersions(req.get('if-match'));
    const outcome = await repository.update(id, changes, expectedVersions(ifMatch, version));
    const task = settled(outcome, id, metrics, ifMatch === undefined ? 'body' : 'if_match');
    metrics.updated.inc();
    await cache.invalidate(id);
    sendTask(res, task);
  };
}

/** `DELETE /tasks/:id`: 204, unless `If-Match` names a version that is not the current one. */
function deleteTask({ repository, cache, metrics }: TaskRoutesOptions): RequestHandler {
  return async (req, res) => {
    const id = idFrom(req);
    const ifMatch = ifMatchVersions(req.get('if-match'));
    const outcome = await repository.delete(id, ifMatch === 'any' ? undefined : ifMatch);
    settled(outcome, id, metrics, 'if_match');
    metrics.deleted.inc();
    await cache.invalidate(id);
    res.status(204).end();
  };
}

/**
 * The versions an update may apply to: those of `If-Match` and the body's `version`, both when
 * both are given; 428 when neither is.
 */
function expectedVersions(
  ifMatch: number[] | 'any' | undefined,
  version: number | undefined,
): ExpectedVersions {
  if (ifMatch === undefined && version === undefined) {
    throw new ApiError(
      428,
      'precondition_required',
      'Name the version you read: an If-Match header with the ETag, or "version" in the body',
    );
  }
  if (ifMatch === undefined || ifMatch === 'any')
    return version === undefined ? undefined : [version];
  return version === undefined ? ifMatch : ifMatch.filter((v) => v === version);
}

/** The request's input as `read` takes it; bad input still counts against the limit. */
async function countedInput<T>(count: RequestCount | undefined, read: () => T): Promise<T> {
  try {
    return read();
  } catch (error) {
    await count?.consume();
    throw error;
  }
}

function sendTask(res: Response, task: StoredTask): void {
  res.setHeader('etag', etagOf(task.version));
  sendJson(res, task.json);
}

/** The written value, or the 404/409/412 that says why the conditional write did not happen. */
function settled<T>(
  outcome: WriteOutcome<T>,
  id: string,
  metrics: TaskMetrics,
  precondition: 'if_match' | 'body',
): T {
  if (outcome.kind === 'done') return outcome.value;
  if (outcome.kind === 'not_found') throw taskNotFound(id);
  metrics.conflicts.inc({ precondition });
  const details = { currentVersion: outcome.currentVersion };
  throw precondition === 'if_match'
    ? new ApiError(412, 'precondition_failed', 'The task changed since you read it (If-Match)', {
        details,
        headers: { etag: etagOf(outcome.currentVersion) },
      })
    : new ApiError(409, 'version_conflict', 'The task changed since you read it (version)', {
        details,
      });
}

function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  code: 'invalid_body' | 'invalid_query',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(code, result.error.issues);
  return result.data;
}

function idFrom(req: Request): string {
  const result = taskId.safeParse(req.params.id);
  if (result.success) return result.data;
  throw new ApiError(400, 'invalid_id', 'A task id is a UUID', {
    details: [{ field: 'id', code: 'invalid_format', message: 'Must be a UUID' }],
  });
}

function cursorFrom(token: string) {
  const cursor = decodeCursor(token);
  if (cursor) return cursor;
  throw new ApiError(400, 'invalid_query', 'The query string is invalid', {
    details: [
      { field: 'cursor', code: 'invalid_cursor', message: 'Not a cursor this API returned' },
    ],
  });
}

function taskNotFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `No task ${id}`);
}
