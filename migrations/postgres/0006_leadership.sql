-- A redundant pair: which node leads (holds the chat connections, delivers,
-- runs the scheduled jobs), and the fencing that keeps a node that lost the
-- lead from claiming or marking anything. On SQLite the one node takes the
-- lease at every start; the columns are the same on both engines so that
-- `opsbridge db copy` moves everything.

-- One row per lease ('leader'). epoch goes up by one at every change of
-- holder: it is the fencing token every claim and mark is conditional on.
-- Times are milliseconds since 1970 on the database's clock, so that nodes
-- with skewed clocks still agree on when a lease ends.
CREATE TABLE leases (
  name             TEXT PRIMARY KEY,
  holder           TEXT NOT NULL,
  epoch            BIGINT NOT NULL,
  acquired_at_ms   BIGINT NOT NULL,
  expires_at_ms    BIGINT NOT NULL,
  previous_holder  TEXT
);

-- Delivery claims a row under its epoch before sending it and marks it
-- delivered under the same epoch. A row claimed under an older epoch and
-- never marked was on the wire when that leader was lost: the next leader
-- sends it again and counts it.
ALTER TABLE outbox ADD COLUMN claim_epoch BIGINT;
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
ALTER TABLE outbox ADD COLUMN delivered_epoch BIGINT;

-- Tailed files are a node's own: each node of a pair keeps its positions.
-- Rows from before (node '') are adopted by the first node to read that path.
ALTER TABLE tail_offsets ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE tail_offsets DROP CONSTRAINT tail_offsets_pkey;
ALTER TABLE tail_offsets ADD PRIMARY KEY (node, path);

-- The leader listens for new outbox rows instead of polling fast; a row
-- written on any node wakes it when that transaction commits.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('opsbridge_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
