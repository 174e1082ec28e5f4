-- Maintenance windows: planned or started from chat, announced, and the
-- hosts they cover put in `maintenance` for as long as they last.

-- A recurring window ("every Sunday 03:00 for 1 h"): each occurrence becomes
-- a maintenance_windows row ahead of its start.
CREATE TABLE maintenance_schedules (
  id            INTEGER PRIMARY KEY,
  title         TEXT NOT NULL,
  targets       TEXT NOT NULL,
  cron          TEXT NOT NULL,
  duration_ms   INTEGER NOT NULL,
  owner         TEXT NOT NULL,
  channels      TEXT NOT NULL,
  -- the next occurrence not yet made into a window
  next_at       TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  cancelled_at  TEXT
);

CREATE TABLE maintenance_windows (
  id            INTEGER PRIMARY KEY,
  title         TEXT NOT NULL,
  -- what the window covers, as typed: names, globs and role:NAME, comma-separated;
  -- resolved against the inventory when it starts
  targets       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'overdue', 'done', 'cancelled')),
  -- planned start and end; extend moves ends_at
  starts_at     TEXT NOT NULL,
  ends_at       TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT,
  owner         TEXT NOT NULL,
  -- channel addresses, space-separated
  channels      TEXT NOT NULL,
  schedule_id   INTEGER REFERENCES maintenance_schedules (id),
  -- what has been announced, so a restart never announces twice
  lead_announced_at     TEXT,
  overdue_announced_at  TEXT,
  created_at    TEXT NOT NULL,
  UNIQUE (schedule_id, starts_at)
);
CREATE INDEX maintenance_windows_status ON maintenance_windows (status, starts_at);

-- The hosts a started window covers, and the status each had before, which
-- it gets back at the end unless someone changed it meanwhile.
CREATE TABLE maintenance_hosts (
  window_id        INTEGER NOT NULL REFERENCES maintenance_windows (id),
  server_id        INTEGER NOT NULL REFERENCES servers (id),
  previous_status  TEXT NOT NULL,
  PRIMARY KEY (window_id, server_id)
) WITHOUT ROWID;
CREATE INDEX maintenance_hosts_server ON maintenance_hosts (server_id);

-- The timeline: created, started, progress updates, extended, done, cancelled.
CREATE TABLE maintenance_updates (
  id         INTEGER PRIMARY KEY,
  window_id  INTEGER NOT NULL REFERENCES maintenance_windows (id),
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  kind       TEXT NOT NULL,
  text       TEXT
);
CREATE INDEX maintenance_updates_window ON maintenance_updates (window_id, id);
