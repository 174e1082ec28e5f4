-- Alerts and their history, silences, log lines, tailed-file positions, and
-- what the outbox needs to condense a backlog of alerts and log lines into
-- digests.

-- One row per alert, keyed by source and fingerprint: a repeat updates it,
-- `resolved` closes it, a later `firing` reopens it. Every change is an
-- alert_events row.
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  fingerprint     TEXT NOT NULL,
  source          TEXT NOT NULL,
  name            TEXT NOT NULL,
  severity        TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
  -- the host as the source named it, and the inventory host it matched
  host            TEXT,
  server_id       INTEGER REFERENCES servers (id) ON DELETE SET NULL,
  summary         TEXT NOT NULL,
  text            TEXT,
  labels          TEXT NOT NULL DEFAULT '{}',
  url             TEXT,
  -- when this firing episode began (the source's startsAt, else first seen)
  started_at      TEXT NOT NULL,
  resolved_at     TEXT,
  first_seen_at   TEXT NOT NULL,
  last_seen_at    TEXT NOT NULL,
  -- notifications received for this episode, deduplicated ones included
  count           INTEGER NOT NULL DEFAULT 1,
  last_notified_at TEXT,
  acked_at        TEXT,
  acked_by        TEXT,
  ack_note        TEXT,
  -- why it is not posted: 'maintenance' or 'silence:ID'; NULL when posted
  suppressed      TEXT,
  UNIQUE (source, fingerprint)
);
-- Few indexes on purpose: every index is one more page written by each
-- alert's commit, the main cost of ingest under a storm. Lists of firing
-- alerts use this one; a host's alerts are found among the firing ones.
CREATE INDEX alerts_status ON alerts (status, id);

-- What happened to each alert after it was first seen (that moment is the
-- alert's first_seen_at).
CREATE TABLE alert_events (
  id        INTEGER PRIMARY KEY,
  alert_id  INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at        TEXT NOT NULL,
  -- firing, resolved, repeat, deduplicated, acked, silenced, suppressed, repeated
  kind      TEXT NOT NULL,
  actor     TEXT,
  detail    TEXT
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

CREATE TABLE silences (
  id          INTEGER PRIMARY KEY,
  -- JSON array of {key, pattern} (glob), all of which must match
  matchers    TEXT NOT NULL,
  starts_at   TEXT NOT NULL,
  ends_at     TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  reason      TEXT,
  -- set by !unsilence: the silence ended before ends_at
  removed_at  TEXT,
  removed_by  TEXT
);
CREATE INDEX silences_ends ON silences (ends_at);

CREATE TABLE log_lines (
  id           INTEGER PRIMARY KEY,
  source       TEXT NOT NULL,
  host         TEXT,
  level        TEXT NOT NULL,
  message      TEXT NOT NULL,
  -- the time the line carried, when it had one
  ts           TEXT,
  received_at  TEXT NOT NULL,
  -- a syslog line that did not parse: kept as it came
  malformed    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX log_lines_received ON log_lines (received_at);

-- Where each tailed file was read up to; written in the same transaction as
-- the lines read, so a restart neither loses nor repeats a line.
CREATE TABLE tail_offsets (
  path        TEXT PRIMARY KEY,
  inode       TEXT NOT NULL,
  offset      INTEGER NOT NULL,
  updated_at  TEXT NOT NULL
);

-- kind: 'alert' or 'log' for rows delivery may condense into a digest;
-- NULL for replies and relayed messages, which are never condensed.
-- digest_key: JSON facts the digest is built from (name, severity, status, host).
-- condensed_into: the digest row that carries this row's news instead.
ALTER TABLE outbox ADD COLUMN kind TEXT;
ALTER TABLE outbox ADD COLUMN digest_key TEXT;
ALTER TABLE outbox ADD COLUMN condensed_into INTEGER;

DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (channel, priority DESC, id)
  WHERE delivered_at IS NULL AND undeliverable_at IS NULL AND condensed_into IS NULL;
