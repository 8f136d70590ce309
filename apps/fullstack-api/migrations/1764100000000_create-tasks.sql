-- Up Migration

CREATE TABLE tasks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  status      text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'doing', 'done')),
  -- Optimistic concurrency: every update must name the version it read and increments it.
  version     integer NOT NULL DEFAULT 1,
  -- Millisecond precision, so that a keyset cursor round-trips exactly through a JavaScript Date.
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now()
);

-- Keyset pagination: newest first, ties broken by id, optionally within one status.
CREATE INDEX tasks_created_at_id_idx ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_status_created_at_id_idx ON tasks (status, created_at DESC, id DESC);

-- Down Migration

DROP TABLE tasks;
