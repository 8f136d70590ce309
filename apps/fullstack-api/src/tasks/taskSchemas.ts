import { z } from 'zod';
import { MAX_VERSION } from './preconditions.js';

export const TASK_STATUSES = ['todo', 'doing', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

// PostgreSQL text cannot hold NUL, and a lone surrogate (\p{Cs}) would be silently replaced when
// encoded: control characters and broken Unicode are refused here instead.
const title = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'Must be plain text without control characters');
const description = z
  .string()
  .max(2000)
  .regex(
    /^(?:[^\p{Cc}\p{Cs}]|[\t\n\r])*$/u,
    'Must be plain text without control characters other than tab and newline',
  );
const status = z.enum(TASK_STATUSES);

export const createTaskBody = z.strictObject({
  title,
  description: description.default(''),
  status: status.default('todo'),
});
export type CreateTask = z.output<typeof createTaskBody>;

export const updateTaskBody = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    status: status.optional(),
    /** The version the client read; an alternative to `If-Match`. */
    version: z.int().min(1).max(MAX_VERSION).optional(),
  })
  .refine(
    (body) =>
      body.title !== undefined || body.description !== undefined || body.status !== undefined,
    { message: 'Give at least one of title, description, status', path: [] },
  );
export type UpdateTask = z.output<typeof updateTaskBody>;

export const listTasksQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'Must be a whole number from 1 to 100')
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .default(20),
  status: status.optional(),
  cursor: z.string().max(200).optional(),
});

// Lower-cased so that one task has one cache entry whichever way a client spells its id.
export const taskId = z.guid().transform((id) => id.toLowerCase());
