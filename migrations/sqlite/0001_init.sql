-- The server inventory, its status history, and the outbox every chat message
-- goes through.

CREATE TABLE servers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  fqdn        TEXT,
  -- ips, roles and tags: several values separated by single spaces, as in
  -- the import CSV. One row per host keeps a 100,000-host import fast;
  -- server_ips indexes the addresses for lookups.
  ips         TEXT NOT NULL DEFAULT '',
  roles       TEXT NOT NULL DEFAULT '',
  service     TEXT,
  dc          TEXT,
  rack        TEXT,
  status      TEXT NOT NULL DEFAULT 'working'
              CHECK (status IN ('working', 'standby', 'maintenance', 'poweroff', 'retired')),
  cpu         INTEGER,
  memory_gb   REAL,
  model       TEXT,
  os          TEXT,
  tags        TEXT NOT NULL DEFAULT '',
  notes       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
-- Host names are DNS names: case does not make two hosts.
CREATE UNIQUE INDEX servers_name ON servers (name COLLATE NOCASE);
CREATE INDEX servers_fqdn ON servers (fqdn COLLATE NOCASE);
-- No indexes on status, dc or service: a filter scans 100,000 rows in tens
-- of milliseconds, and each index would slow every import row.

-- ip_key: 32 hex digits, IPv4 mapped into ::ffff:0:0/96, so an address and a
-- CIDR range are both a range scan of this one B-tree.
CREATE TABLE server_ips (
  ip_key     TEXT NOT NULL,
  server_id  INTEGER NOT NULL REFERENCES servers (id),
  PRIMARY KEY (ip_key, server_id)
) WITHOUT ROWID;

CREATE TABLE server_status_history (
  id              INTEGER PRIMARY KEY,
  server_id       INTEGER NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
  at              TEXT NOT NULL,
  actor           TEXT NOT NULL,
  from_status     TEXT,
  to_status       TEXT NOT NULL,
  reason          TEXT,
  -- set by maintenance windows (a later migration adds the table)
  maintenance_id  INTEGER
);
CREATE INDEX server_status_history_server ON server_status_history (server_id, id);

-- Everything that goes out to a chat is a row here first. Delivery marks a
-- row delivered only after the adapter confirms, so nothing is lost on a
-- crash or a disconnect; it is only delayed.
CREATE TABLE outbox (
  id            INTEGER PRIMARY KEY,
  channel       TEXT NOT NULL,
  thread        TEXT,
  -- set for a private reply to one user of the channel's platform
  recipient     TEXT,
  -- who asked, for a reply: what does not fit in a channel goes to them
  asker         TEXT,
  -- for a message relayed across a bridge: who wrote it, and whether it was a /me
  author        TEXT,
  action        INTEGER NOT NULL DEFAULT 0,
  priority      INTEGER NOT NULL DEFAULT 0,
  body          TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  delivered_at  TEXT,
  -- set when a message can never be delivered as addressed (no such channel or user)
  undeliverable_at TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT
);
CREATE INDEX outbox_pending ON outbox (channel, priority DESC, id) WHERE delivered_at IS NULL AND undeliverable_at IS NULL;
