-- Up Migration

-- Orders. `seq` orders the listing (keyset pagination); `id` is the public identifier.
-- A client's Idempotency-Key is unique, so concurrent retries of one request insert one row
-- (the losers wait for the winner's commit and then see its row); `request_hash` tells a retry
-- of the same request from a different request that reuses the key.
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  customer_id text NOT NULL,
  items jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT orders_status_check CHECK (status IN ('pending', 'processed', 'failed')),
  result jsonb,
  idempotency_key text CONSTRAINT orders_idempotency_key_key UNIQUE,
  request_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  processed_at timestamptz,
  -- A final status always carries its result, and only a final status does.
  CONSTRAINT orders_result_check CHECK ((status = 'pending') = (result IS NULL))
);

CREATE INDEX orders_status_seq_idx ON orders (status, seq);

-- Transactional outbox: a row per message to publish, written in the same transaction as the
-- change it announces. The relay sets sent_at once the broker has confirmed the message, and
-- purges sent rows after a retention period.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id uuid NOT NULL UNIQUE,
  routing_key text NOT NULL,
  -- json, not jsonb: the message body is published byte for byte as it was written.
  payload json NOT NULL,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);

CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Down Migration

DROP TABLE outbox;
DROP TABLE orders;
