-- Nothing to change on SQLite: delivery there is woken in-process, with the
-- channel, by each enqueue. (PostgreSQL's NOTIFY now names the channel; the
-- two engines keep the same list of migrations.)
SELECT 1;
