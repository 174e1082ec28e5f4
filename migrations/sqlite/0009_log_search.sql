-- Log search (`!logs`, the board's /logs): a host's lines by time, and words
-- in their messages.
--
-- Words: an FTS5 index over log_lines(message). External content, so the
-- messages are not stored twice; columnsize=0, as lines are listed by time,
-- never ranked.
--
-- The index is written after a line is stored, not in the transaction that
-- stores it: the insert trigger only queues the line's id, and the indexer
-- (LogSearch in src/domain/logs/search.ts) moves queued lines into the index
-- a thousand at a time. An FTS5 write costs most per transaction, and
-- syslog ingest commits many small batches; indexed in the same transaction,
-- it held syslog over UDP to about 15,000 lines/s where 20,000 were taken
-- before (and lost the rest).
--
-- Every line is either queued or indexed, so the delete trigger (the
-- retention job deletes old lines in batches) takes it out of whichever
-- holds it: a deleted line is never found again. A 'delete' needs the exact
-- text that was indexed, which old.message is.
CREATE VIRTUAL TABLE log_search USING fts5 (
  message, content = 'log_lines', content_rowid = 'id', columnsize = 0,
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE log_search_pending (id INTEGER PRIMARY KEY);

CREATE TRIGGER log_lines_search_insert AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_search_pending (id) VALUES (new.id);
END;
CREATE TRIGGER log_lines_search_delete AFTER DELETE ON log_lines BEGIN
  INSERT INTO log_search (log_search, rowid, message)
    SELECT 'delete', old.id, old.message WHERE NOT EXISTS (SELECT 1 FROM log_search_pending WHERE id = old.id);
  DELETE FROM log_search_pending WHERE id = old.id;
END;
-- Lines are not rewritten today; if one ever is, the index must not keep its old words.
CREATE TRIGGER log_lines_search_update AFTER UPDATE OF message ON log_lines
  WHEN NOT EXISTS (SELECT 1 FROM log_search_pending WHERE id = old.id) BEGIN
  INSERT INTO log_search (log_search, rowid, message) VALUES ('delete', old.id, old.message);
  INSERT INTO log_search (rowid, message) VALUES (new.id, new.message);
END;

-- The lines stored before this migration are indexed by the indexer too, so
-- an upgrade does not wait for a year of lines.
INSERT INTO log_search_pending (id) SELECT id FROM log_lines;

-- A host's lines newest first, in a time window: one range of this index,
-- already in order (the rowid breaks ties). NOCASE: syslog senders write
-- their names as they like.
CREATE INDEX log_lines_host ON log_lines (host COLLATE NOCASE, received_at);
