-- Tickets opened and assigned in chat, and the git commits that reference them.

-- People are stored by name: a configured person's `name` (the same on IRC
-- and Slack), else the IRC account or Slack display name they came with.
CREATE TABLE tickets (
  id           INTEGER PRIMARY KEY,
  title        TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
  priority     TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  reporter     TEXT NOT NULL,
  assignee     TEXT,
  -- where it was opened: the digest and previews point back there
  channel      TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  closed_at    TEXT
);
CREATE INDEX tickets_status ON tickets (status, updated_at);
CREATE INDEX tickets_assignee ON tickets (assignee COLLATE NOCASE, status);

CREATE TABLE ticket_watchers (
  ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
  person     TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (ticket_id, person)
) WITHOUT ROWID;

CREATE TABLE ticket_hosts (
  ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
  server_id  INTEGER NOT NULL REFERENCES servers (id),
  PRIMARY KEY (ticket_id, server_id)
) WITHOUT ROWID;
CREATE INDEX ticket_hosts_server ON ticket_hosts (server_id);

-- The timeline: everything that happened to a ticket, in order.
--   created, comment (body), status (old → new, body: the note),
--   assign (old → new), watch (new: who), commit (repo, sha, url, body: the line),
--   force_push (repo, sha: the commit no longer on the ref, body: what happened)
CREATE TABLE ticket_events (
  id         INTEGER PRIMARY KEY,
  ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('created', 'comment', 'status', 'assign', 'watch', 'commit', 'force_push')),
  old_value  TEXT,
  new_value  TEXT,
  body       TEXT,
  repo       TEXT,
  sha        TEXT,
  url        TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- Full-text search over titles, descriptions, comments and close notes:
-- one document per ticket text and one per comment, kept by triggers.
CREATE VIRTUAL TABLE ticket_search USING fts5 (ticket_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO ticket_search (ticket_id, text) VALUES (new.id, new.title || char(10) || new.description);
END;
CREATE TRIGGER ticket_events_search_insert AFTER INSERT ON ticket_events
  WHEN new.body IS NOT NULL AND new.kind IN ('comment', 'status') BEGIN
  INSERT INTO ticket_search (ticket_id, text) VALUES (new.ticket_id, new.body);
END;

-- Commits that referenced a ticket: a commit seen again (another branch, a
-- redelivered webhook, a re-run hook) links once and closes once.
CREATE TABLE ticket_commits (
  ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
  repo       TEXT NOT NULL,
  sha        TEXT NOT NULL,
  action     TEXT NOT NULL CHECK (action IN ('link', 'close')),
  author     TEXT NOT NULL,
  subject    TEXT NOT NULL,
  url        TEXT,
  linked_at  TEXT NOT NULL,
  -- when this commit closed the ticket, having reached the default branch
  closed_at  TEXT,
  PRIMARY KEY (ticket_id, repo, sha)
) WITHOUT ROWID;
CREATE INDEX ticket_commits_sha ON ticket_commits (repo, sha);

-- Ref updates already processed, so the same push arriving twice posts one line.
CREATE TABLE git_pushes (
  repo         TEXT NOT NULL,
  ref          TEXT NOT NULL,
  before_sha   TEXT NOT NULL,
  after_sha    TEXT NOT NULL,
  pusher       TEXT NOT NULL,
  commits      INTEGER NOT NULL,
  received_at  TEXT NOT NULL,
  PRIMARY KEY (repo, ref, before_sha, after_sha)
) WITHOUT ROWID;

-- When a scheduled post (the daily ticket digest) is next due, so a restart
-- neither repeats nor skips it. `spec` is the cron expression and zone
-- next_at was computed from: a changed config recomputes it.
CREATE TABLE schedule_state (
  name     TEXT PRIMARY KEY,
  spec     TEXT NOT NULL,
  next_at  TEXT NOT NULL
) WITHOUT ROWID;
