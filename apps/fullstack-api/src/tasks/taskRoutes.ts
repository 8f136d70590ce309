import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { ApiError, validationError } from '../http/apiError.js';
import { methodNotAllowed } from '../http/errorHandler.js';
import { jsonBody } from '../http/jsonBody.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { etagOf, ifMatchVersions, ifNoneMatchHits } from './preconditions.js';
import type { TaskCache } from './taskCache.js';
import type { TaskMetrics } from './taskMetrics.js';
import type {
  ExpectedVersions,
  StoredTask,
  TaskRepository,
  WriteOutcome,
} from './taskRepository.js';
import { createTaskBody, listTasksQuery, taskId, updateTaskBody } from './taskSchemas.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export interface TaskRoutesOptions {
  repository: TaskRepository;
  cache: TaskCache;
  metrics: TaskMetrics;
  bodyLimitBytes: number;
}

/** `/tasks` and `/tasks/:id`: mount under `/api`. */
export function taskRoutes({
  repository,
  cache,
  metrics,
  bodyLimitBytes,
}: TaskRoutesOptions): Router {
  const router = Router({ caseSensitive: true });
  const body = jsonBody(bodyLimitBytes);

  router
    .route('/tasks')
    .get(async (req, res) => {
      const query = parse(listTasksQuery, req.query, 'invalid_query');
      const after = query.cursor === undefined ? undefined : cursorFrom(query.cursor);
      const key = `${query.status ?? '*'}:${query.limit}:${after ? `${after.createdAt}:${after.id}` : ''}`;
      const page = await cache.read({ kind: 'list', query: key }, async () => {
        const { items, next } = await repository.list({
          limit: query.limit,
          status: query.status,
          after,
        });
        return `{"items":[${items.join(',')}],"nextCursor":${next ? `"${encodeCursor(next)}"` : 'null'}}`;
      });
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('content-type', JSON_TYPE);
      res.send(page);
    })
    .post(body, async (req, res) => {
      const task = await repository.create(parse(createTaskBody, req.body, 'invalid_body'));
      metrics.created.inc();
      await cache.invalidate();
      res.status(201).set('location', `${req.baseUrl}/tasks/${task.id}`);
      sendTask(res, task);
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));

  router
    .route('/tasks/:id')
    .get(async (req, res) => {
      const id = idFrom(req);
      // Cached as "<version>:<json>", so a hit needs no parsing to answer with its ETag.
      const cached = await cache.read({ kind: 'task', id }, async () => {
        const task = await repository.get(id);
        return task && `${task.version}:${task.json}`;
      });
      if (cached === undefined) throw taskNotFound(id);
      const colon = cached.indexOf(':');
      const etag = etagOf(cached.slice(0, colon));
      res.setHeader('etag', etag);
      res.setHeader('cache-control', 'no-cache');
      if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
        res.status(304).end();
        return;
      }
      res.setHeader('content-type', JSON_TYPE);
      res.send(cached.slice(colon + 1));
    })
    .patch(body, async (req, res) => {
      const id = idFrom(req);
      const { version, ...changes } = parse(updateTaskBody, req.body, 'invalid_body');
      const ifMatch = ifMatchVersions(req.get('if-match'));
      if (ifMatch === undefined && version === undefined) {
        throw new ApiError(
          428,
          'precondition_required',
          'Name the version you read: an If-Match header with the ETag, or "version" in the body',
        );
      }
      let expected: ExpectedVersions;
      if (ifMatch === undefined || ifMatch === 'any')
        expected = version === undefined ? undefined : [version];
      else expected = version === undefined ? ifMatch : ifMatch.filter((v) => v === version);
      const outcome = await repository.update(id, changes, expected);
      const task = settled(outcome, id, metrics, ifMatch === undefined ? 'body' : 'if_match');
      metrics.updated.inc();
      await cache.invalidate(id);
      sendTask(res, task);
    })
    .delete(async (req, res) => {
      const id = idFrom(req);
      const ifMatch = ifMatchVersions(req.get('if-match'));
      const outcome = await repository.delete(id, ifMatch === 'any' ? undefined : ifMatch);
      settled(outcome, id, metrics, 'if_match');
      metrics.deleted.inc();
      await cache.invalidate(id);
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'PATCH', 'DELETE']));

  return router;
}

function sendTask(res: Response, task: StoredTask): void {
  res.setHeader('etag', etagOf(task.version));
  res.setHeader('content-type', JSON_TYPE);
  res.send(task.json);
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
    ? new ApiError(
        412,
        'precondition_failed',
        'The task changed since you read it (If-Match)',
        details,
        {
          etag: etagOf(outcome.currentVersion),
        },
      )
    : new ApiError(
        409,
        'version_conflict',
        'The task changed since you read it (version)',
        details,
      );
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
  throw new ApiError(400, 'invalid_id', 'A task id is a UUID', [
    { field: 'id', code: 'invalid_format', message: 'Must be a UUID' },
  ]);
}

function cursorFrom(token: string) {
  const cursor = decodeCursor(token);
  if (cursor) return cursor;
  throw new ApiError(400, 'invalid_query', 'The query string is invalid', [
    { field: 'cursor', code: 'invalid_cursor', message: 'Not a cursor this API returned' },
  ]);
}

function taskNotFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `No task ${id}`);
}
