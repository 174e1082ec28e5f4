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
  word       TEXT NOT NULL COLLATE nocase,
  name       TEXT NOT NULL COLLATE nocase,
  server_id  BIGINT NOT NULL REFERENCES servers (id),
  status     TEXT NOT NULL,
  PRIMARY KEY (kind, word, name)
);

-- How many hosts of each status have a role or tag, kept by a trigger, so
-- `!servers role=web` is counted without reading 12,500 rows. A word no
-- host has any more keeps its row, at 0.
CREATE TABLE server_word_counts (
  kind    TEXT NOT NULL,
  word    TEXT NOT NULL COLLATE nocase,
  status  TEXT NOT NULL,
  hosts   INTEGER NOT NULL,
  PRIMARY KEY (kind, word, status)
);
CREATE FUNCTION count_server_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE server_word_counts SET hosts = hosts - 1 WHERE kind = OLD.kind AND word = OLD.word AND status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO server_word_counts (kind, word, status, hosts) VALUES (NEW.kind, NEW.word, NEW.status, 1)
    ON CONFLICT (kind, word, status) DO UPDATE SET hosts = server_word_counts.hosts + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER server_words_counted AFTER INSERT OR DELETE OR UPDATE OF status ON server_words
  FOR EACH ROW EXECUTE FUNCTION count_server_words();

-- The hosts already there: each list split at its spaces.
INSERT INTO server_words (kind, word, name, server_id, status)
SELECT 'role', w, name, id, status FROM servers, unnest(string_to_array(roles, ' ')) AS w WHERE w <> ''
UNION ALL
SELECT 'tag', w, name, id, status FROM servers, unnest(string_to_array(tags, ' ')) AS w WHERE w <> ''
ON CONFLICT DO NOTHING;

-- A page of one status, service or datacenter is read in the order it is
-- shown, and counted by status, from the index alone.
CREATE INDEX servers_status ON servers (status, name COLLATE nocase);
CREATE INDEX servers_service ON servers (service COLLATE nocase, name COLLATE nocase, status);
CREATE INDEX servers_dc ON servers (dc COLLATE nocase, name COLLATE nocase, status);
