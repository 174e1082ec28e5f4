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
  epoch            INTEGER NOT NULL,
  acquired_at_ms   INTEGER NOT NULL,
  expires_at_ms    INTEGER NOT NULL,
  previous_holder  TEXT
);

-- Delivery claims a row under its epoch before sending it and marks it
-- delivered under the same epoch. A row claimed under an older epoch and
-- never marked was on the wire when that leader was lost: the next leader
-- sends it again and counts it.
ALTER TABLE outbox ADD COLUMN claim_epoch INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
ALTER TABLE outbox ADD COLUMN delivered_epoch INTEGER;

-- Tailed files are a node's own: each node of a pair keeps its positions.
-- Rows from before (node '') are adopted by the first node to read that path.
CREATE TABLE tail_offsets_by_node (
  node        TEXT NOT NULL,
  path        TEXT NOT NULL,
  inode       TEXT NOT NULL,
  "offset"    INTEGER NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (node, path)
) WITHOUT ROWID;
INSERT INTO tail_offsets_by_node (node, path, inode, "offset", updated_at)
  SELECT '', path, inode, "offset", updated_at FROM tail_offsets;
DROP TABLE tail_offsets;
ALTER TABLE tail_offsets_by_node RENAME TO tail_offsets;
