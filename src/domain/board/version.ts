import type { Sql } from '../../store/sql.js';

/**
 * A NULL would make the whole string NULL: hence the coalesce around every
 * max. The CASTs make each part text on PostgreSQL too, whose || wants one
 * text side.
 */
const VERSION = `SELECT CAST(coalesce((SELECT max(id) FROM alerts), 0) AS TEXT) || '/' || CAST(coalesce((SELECT max(id) FROM alert_events), 0) AS TEXT) || '/' ||
  CAST(coalesce((SELECT max(id) FROM server_status_history), 0) AS TEXT) || '/' || CAST((SELECT count(*) FROM servers) AS TEXT) || '/' ||
  CAST(coalesce((SELECT max(id) FROM maintenance_windows), 0) AS TEXT) || '/' || CAST(coalesce((SELECT max(id) FROM maintenance_updates), 0) AS TEXT) || '/' ||
  CAST(coalesce((SELECT max(id) FROM ticket_events), 0) AS TEXT)`;

/**
 * A string that changes whenever something the status board shows does:
 * alerts and their events, host statuses and count, maintenance windows and
 * their updates, ticket events. Read from the store, so changes made by
 * another process count too. Max ids and a count, no rows read: cheap
 * enough to poll every second.
 */
export class BoardVersion {
  constructor(private readonly db: Sql) {}

  async current(): Promise<string> {
    return String(await this.db.value(VERSION));
  }
}
