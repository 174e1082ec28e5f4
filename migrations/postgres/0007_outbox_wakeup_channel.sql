-- The outbox wake-up names the channel: the leader then serves that channel
-- alone instead of reading the outbox for channels after every commit, and a
-- channel it is already delivering costs nothing. Identical notifications of
-- one transaction are folded into one by PostgreSQL: a batch of rows for one
-- channel still wakes the leader once.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('opsbridge_outbox', NEW.channel);
  RETURN NULL;
END $$;
DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();
