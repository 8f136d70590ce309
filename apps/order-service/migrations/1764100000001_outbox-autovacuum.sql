-- Up Migration

-- The outbox is a queue: every row is inserted, updated once (sent) and later deleted. Vacuum it
-- after a fixed number of dead rows rather than a share of the table, and without throttling, so
-- its partial index of unsent rows does not fill with entries of rows long sent.
ALTER TABLE outbox SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_cost_delay = 0
);

-- Down Migration

ALTER TABLE outbox RESET (
  autovacuum_vacuum_scale_factor,
  autovacuum_vacuum_threshold,
  autovacuum_vacuum_cost_delay
);
