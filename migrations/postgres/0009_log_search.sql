-- Log search (`!logs`, the board's /logs): a host's lines by time, and words
-- in their messages.
--
-- Words: a GIN index on the messages' tsvector ('simple': no stemming, as
-- SQLite's unicode61), on log_lines itself, so a deleted line (the retention
-- job's batched DELETEs) leaves the index with its row. Building the index
-- covers the lines stored before this migration.
CREATE INDEX log_lines_search ON log_lines USING gin (to_tsvector('simple', message));

-- A host's lines newest first, in a time window: one range of this index,
-- already in order. nocase (0001): syslog senders write their names as they like.
CREATE INDEX log_lines_host ON log_lines (host COLLATE nocase, received_at, id);
