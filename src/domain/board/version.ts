import type { DB } from '../../store/database.js';

/**
 * A string that changes whenever something the status board shows does:
 * alerts and their events, host statuses and count, maintenance windows and
 * their updates, ticket events. Read from the store, so changes made by
 * another process count too. Max ids and a count, no rows read: cheap
 * enough to poll every second.
 */
export class BoardVersion {
  // A NULL would make the whole string NULL: hence the coalesce around every max.
  private readonly version;

  constructor(db: DB) {
    this.version = db.prepare(`SELECT coalesce((SELECT max(id) FROM alerts), 0) || '/' || coalesce((SELECT max(id) FROM alert_events), 0) || '/' ||
      coalesce((SELECT max(id) FROM server_status_history), 0) || '/' || (SELECT count(*) FROM servers) || '/' ||
      coalesce((SELECT max(id) FROM maintenance_windows), 0) || '/' || coalesce((SELECT max(id) FROM maintenance_updates), 0) || '/' ||
      coalesce((SELECT max(id) FROM ticket_events), 0)`).pluck();
  }

  current(): string {
    return String(this.version.get());
  }
}
