// Baselines: the floor under the app's two reads, Express 5 routes that make only the round trip
// each read cannot do without and answer with what it returned. `/redis`: one GET of a task's
// JSON, with the app's pipelining setting (the cached read). `/page?cursor=`: the app's own page
// query at that cursor through its repository and a pool of the same size (the uncached list).
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { decodeCursor } from '../src/tasks/cursor.js';
import { TaskRepository } from '../src/tasks/taskRepository.js';

const redis = new Redis(process.env.REDIS_URL!, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  enableAutoPipelining: true,
});
await new Promise((resolve) => redis.once('ready', resolve));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const repository = new TaskRepository(pool);
const { rows } = await pool.query<{ json: string }>(
  'SELECT row_to_json(t)::text AS json FROM tasks AS t LIMIT 1',
);
await redis.set('bench:task', rows[0]!.json);

const app = express();
app.get('/redis', async (_req, res) => {
  send(res, (await redis.get('bench:task'))!);
});
app.get('/page', async (req, res) => {
  const page = await repository.list({
    limit: 20,
    after: decodeCursor(req.query.cursor as string),
  });
  send(res, `{"items":[${page.items}]}`);
});
app.listen(Number(process.env.PORT), '127.0.0.1');

function send(res: express.Response, json: string): void {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(json));
  res.end(json);
}
