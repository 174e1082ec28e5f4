-- Held-back alerts by host, for the summary when maintenance ends: partial,
-- so the posted majority costs nothing. (0002 is applied as it was; its
-- alert_events.kind comment is now: resolved, firing (reopened), escalated,
-- acked, silenced, suppressed, unquieted (released), reminded.)
CREATE INDEX alerts_held ON alerts (server_id, last_seen_at) WHERE suppressed IS NOT NULL;
