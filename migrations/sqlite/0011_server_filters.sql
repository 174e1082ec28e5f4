-- `!servers role=… status=… service=… dc=… tag=…` on 100,000 hosts: an
-- index range each, read in name order, instead of a scan of every row.
-- Each index costs an import a little; a filter is asked from chat.

-- One row per role or tag of a host, which servers.roles and servers.tags
-- hold space-separated. Inventory keeps it in step with servers. The name
-- is here so that a page of one role is read in name order, and the status
-- so that it is counted by status, from this table alone. Names never
-- change (hosts are upserted by name).
CREATE TABLE server_words (
  kind       TEXT NOT NULL CHECK (kind IN ('role', 'tag')),
  word       TEXT NOT NULL COLLATE NOCASE,
  name       TEXT NOT NULL COLLATE NOCASE,
  server_id  INTEGER NOT NULL REFERENCES servers (id),
  status     TEXT NOT NULL,
  PRIMARY KEY (kind, word, name)
) WITHOUT ROWID;

-- How many hosts of each status have a role or tag, kept by triggers, so
-- `!servers role=web` is counted without reading 12,500 rows. A word no
-- host has any more keeps its row, at 0.
CREATE TABLE server_word_counts (
  kind    TEXT NOT NULL,
  word    TEXT NOT NULL COLLATE NOCASE,
  status  TEXT NOT NULL,
  hosts   INTEGER NOT NULL,
  PRIMARY KEY (kind, word, status)
) WITHOUT ROWID;
CREATE TRIGGER server_words_counted AFTER INSERT ON server_words BEGIN
  INSERT INTO server_word_counts (kind, word, status, hosts) VALUES (new.kind, new.word, new.status, 1)
  ON CONFLICT (kind, word, status) DO UPDATE SET hosts = hosts + 1;
END;
CREATE TRIGGER server_words_uncounted AFTER DELETE ON server_words BEGIN
  UPDATE server_word_counts SET hosts = hosts - 1 WHERE kind = old.kind AND word = old.word AND status = old.status;
END;
CREATE TRIGGER server_words_recounted AFTER UPDATE OF status ON server_words BEGIN
  UPDATE server_word_counts SET hosts = hosts - 1 WHERE kind = old.kind AND word = old.word AND status = old.status;
  INSERT INTO server_word_counts (kind, word, status, hosts) VALUES (new.kind, new.word, new.status, 1)
  ON CONFLICT (kind, word, status) DO UPDATE SET hosts = hosts + 1;
END;

-- The hosts already there: each list split at its spaces.
WITH RECURSIVE split (kind, server_id, name, status, word, rest) AS (
  SELECT 'role', id, name, status, '', roles || ' ' FROM servers WHERE roles <> ''
  UNION ALL
  SELECT 'tag', id, name, status, '', tags || ' ' FROM servers WHERE tags <> ''
  UNION ALL
  SELECT kind, server_id, name, status, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
  FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO server_words (kind, word, name, server_id, status)
SELECT kind, word, name, server_id, status FROM split WHERE word <> '';

-- A page of one status, service or datacenter is read in the order it is
-- shown, and counted by status, from the index alone.
CREATE INDEX servers_status ON servers (status, name COLLATE NOCASE);
CREATE INDEX servers_service ON servers (service COLLATE NOCASE, name COLLATE NOCASE, status);
CREATE INDEX servers_dc ON servers (dc COLLATE NOCASE, name COLLATE NOCASE, status);
