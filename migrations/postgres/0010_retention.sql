-- What the retention job (src/domain/retention/) reads to find rows old
-- enough to go, so each of its small batches is an index range, not a scan.
-- Log lines use log_lines_received (0002); the outbox is walked by id, as
-- its rows are created in id order; closed tickets use tickets_status (0004).

-- Partial: written only when an alert resolves, never by a storm of firings.
CREATE INDEX alerts_resolved ON alerts (resolved_at) WHERE status = 'resolved';
-- Both written a few times a day at most.
CREATE INDEX git_pushes_received ON git_pushes (received_at);
CREATE INDEX server_status_history_at ON server_status_history (at);
