import type { Clock } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import { labelsFingerprint } from './fingerprint.js';
import { severityRank, type Alert, type AlertEvent, type AlertInput, type AlertStatus } from './model.js';

/**
 * What happened to the stored alert when a notification came in:
 * - opened: first seen, firing again after it was resolved, or first heard
 *   of since a silence or maintenance held it back
 * - repeat: still firing, and the dedup window since the last post has passed
 * - escalated: still firing, and worse than before (warning → critical)
 * - deduplicated: same state within the window (only its count went up)
 * - resolved: it was firing and is now resolved
 * - stale: resolved again, or resolved for an alert never seen firing
 */
export type Outcome = 'opened' | 'repeat' | 'escalated' | 'deduplicated' | 'resolved' | 'stale';

type Row = Omit<Alert, 'labels'> & { labels: string };

export interface AlertQuery {
  status?: AlertStatus | 'all';
  host?: string;
  severity?: string;
  name?: string;
  since?: string;
  /** Firing ones, and the others only when seen since this time. */
  firingOrSeenSince?: string;
  /** Include alerts that are silenced or suppressed (default true). */
  includeQuiet?: boolean;
  limit: number;
  offset?: number;
}

const COLUMNS = `id, fingerprint, source, name, severity, status, host, server_id, summary, text, labels, url, started_at, resolved_at,
  first_seen_at, last_seen_at, count, last_notified_at, acked_at, acked_by, ack_note, suppressed`;

const BY_FINGERPRINT = `SELECT ${COLUMNS} FROM alerts WHERE source = ? AND fingerprint = ?`;
/**
 * PostgreSQL runs group commits side by side, each on its connection: the
 * row is locked as it is read, so a second notification of the same alert
 * waits for the first to commit and sees what it did (else both could post
 * it). SQLite has one writer at a time and no FOR UPDATE.
 */
const BY_FINGERPRINT_FOR_UPDATE = `${BY_FINGERPRINT} FOR UPDATE`;
const BY_ID = `SELECT ${COLUMNS} FROM alerts WHERE id = ?`;
// Positional parameters: better-sqlite3 binds an array of 17 values in about a
// third of the time it takes to look the same values up by name in an object,
// and these run once or twice per alert of a storm.
const INSERT = `INSERT INTO alerts (fingerprint, source, name, severity, status, host, server_id, summary, text, labels, url,
  started_at, resolved_at, first_seen_at, last_seen_at, last_notified_at, suppressed)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (source, fingerprint) DO NOTHING RETURNING id`;
const REOPEN = `UPDATE alerts SET status = 'firing', name = ?, severity = ?, host = ?, server_id = ?,
  summary = ?, text = ?, labels = ?, url = ?, started_at = ?, resolved_at = NULL, last_seen_at = ?,
  count = 1, last_notified_at = NULL, acked_at = NULL, acked_by = NULL, ack_note = NULL, suppressed = ? WHERE id = ?
  RETURNING ${COLUMNS}`;
const TOUCH = `UPDATE alerts SET last_seen_at = ?, count = count + 1, severity = ?, summary = ?, text = ?,
  labels = ?, url = ?, suppressed = ? WHERE id = ?
  RETURNING ${COLUMNS}`;
const RESOLVE = `UPDATE alerts SET status = 'resolved', resolved_at = ?, last_seen_at = ?, count = count + 1 WHERE id = ?
  RETURNING ${COLUMNS}`;
const NOTIFIED = 'UPDATE alerts SET last_notified_at = ? WHERE id = ?';
const ACK = 'UPDATE alerts SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?';
const QUIET = 'UPDATE alerts SET suppressed = ? WHERE id = ?';
const HELD_FOR_MAINTENANCE = `SELECT ${COLUMNS} FROM alerts WHERE status = 'firing' AND suppressed = 'maintenance' AND server_id = ?`;
const SILENCED_FIRING = `SELECT ${COLUMNS} FROM alerts WHERE status = 'firing' AND suppressed LIKE 'silence:%'`;
const EVENT = 'INSERT INTO alert_events (alert_id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)';
const EVENTS = 'SELECT id, at, kind, actor, detail FROM alert_events WHERE alert_id = ? ORDER BY id DESC LIMIT ?';
const DUE_REPEATS = `SELECT ${COLUMNS} FROM alerts WHERE status = 'firing' AND severity = 'critical' AND acked_at IS NULL
  AND suppressed IS NULL AND last_notified_at IS NOT NULL AND last_notified_at <= ? ORDER BY id LIMIT 500`;
const FIRING_FOR_SERVER = `SELECT ${COLUMNS} FROM alerts WHERE server_id = ? AND status = 'firing' ORDER BY id DESC LIMIT ?`;
const SUPPRESSED_SINCE = `SELECT ${COLUMNS} FROM alerts WHERE server_id = ? AND suppressed = 'maintenance' AND last_seen_at >= ? ORDER BY id`;

/**
 * The alerts table and each alert's history. Every SQL text is a constant
 * (the store caches a prepared statement per text), and nothing here opens a
 * transaction: callers wrap what must commit together in one.
 */
export class AlertStore {
  constructor(private readonly db: Sql, private readonly clock: Clock) {}

  async get(id: number): Promise<Alert | null> {
    const r = await this.db.get<Row>(BY_ID, [id]);
    return r ? decode(r) : null;
  }

  /**
   * Applies one notification. `quiet` says why it must not be posted
   * (maintenance, a silence); it is stored on the alert either way.
   *
   * `notified`: the write already set `last_notified_at` to now. A new
   * firing alert that nothing holds back is always posted (the service's
   * rule), so its row is written as posted: one UPDATE fewer per alert of a
   * storm, in the same transaction as the post.
   */
  async record(input: AlertInput, match: { serverId: number | null; host: string | null }, dedupMs: number, quiet: string | null): Promise<{ alert: Alert; outcome: Outcome; notified: boolean }> {
    const clockNow = this.clock.now();
    const now = clockNow.toISOString();
    const fingerprint = input.fingerprint ?? labelsFingerprint(input.source, input.labels.alertname ? input.labels : { ...input.labels, alertname: input.name });
    const byFingerprint = this.db.engine === 'postgres' ? BY_FINGERPRINT_FOR_UPDATE : BY_FINGERPRINT;
    let existing = await this.db.get<Row>(byFingerprint, [input.source, fingerprint]);
    const text = input.text ?? null;
    const labels = JSON.stringify(input.labels);
    const url = input.url ?? null;
    const startedAt = input.startsAt ? input.startsAt.toISOString() : now;

    if (!existing) {
      const resolved = input.status === 'resolved';
      const resolvedAt = resolved ? (input.endsAt ? input.endsAt.toISOString() : now) : null;
      const notifiedAt = !resolved && quiet === null ? now : null;
      const id = await this.db.value<number>(INSERT, [
        fingerprint, input.source, input.name, input.severity, input.status, match.host, match.serverId, input.summary, text, labels, url,
        startedAt, resolvedAt, now, now, notifiedAt, quiet,
      ]);
      if (id !== undefined) {
        // The first 'firing' is the row itself (first_seen_at): one write fewer per new alert.
        if (resolved) await this.addEvent(id, 'resolved', null, null);
        if (!resolved && quiet) await this.addEvent(id, quiet === 'maintenance' ? 'suppressed' : 'silenced', null, quiet);
        // Built from what was written rather than read back: a storm is mostly new alerts.
        const alert: Alert = {
          id, fingerprint, source: input.source, name: input.name, severity: input.severity, status: input.status, host: match.host, server_id: match.serverId,
          summary: input.summary, text, labels: input.labels, url, started_at: startedAt, resolved_at: resolvedAt,
          first_seen_at: now, last_seen_at: now, count: 1, last_notified_at: notifiedAt, acked_at: null, acked_by: null, ack_note: null, suppressed: quiet,
        };
        return { alert, outcome: resolved ? 'stale' : 'opened', notified: notifiedAt !== null };
      }
      // Another transaction stored it meanwhile (PostgreSQL only; the insert waited for it
      // to commit): this notification is a repeat of that one.
      existing = (await this.db.get<Row>(byFingerprint, [input.source, fingerprint]))!;
    }

    const id = existing.id;
    const touch = (severity: string, suppressed: string | null) => this.updated(TOUCH, [now, severity, input.summary, text, labels, url, suppressed, id]);
    if (input.status === 'firing') {
      if (existing.status === 'resolved') {
        const reopened = await this.updated(REOPEN, [input.name, input.severity, match.host, match.serverId, input.summary, text, labels, url, startedAt, now, quiet, id]);
        await this.addEvent(id, 'firing', null, input.summary);
        if (quiet) await this.addEvent(id, quiet === 'maintenance' ? 'suppressed' : 'silenced', null, quiet);
        return { alert: reopened, outcome: 'opened', notified: false };
      }
      const touched = await touch(input.severity, quiet);
      if (quiet && quiet !== existing.suppressed) await this.addEvent(id, quiet === 'maintenance' ? 'suppressed' : 'silenced', null, quiet);
      // Never posted (it was quiet until now): this is its first post.
      if (existing.last_notified_at === null) return { alert: touched, outcome: 'opened', notified: false };
      // Worse than before: news, whatever the window says.
      if (severityRank(input.severity) < severityRank(existing.severity)) {
        await this.addEvent(id, 'escalated', null, `${existing.severity} → ${input.severity}`);
        return { alert: touched, outcome: 'escalated', notified: false };
      }
      const withinWindow = clockNow.getTime() - Date.parse(existing.last_notified_at) < dedupMs;
      return { alert: touched, outcome: withinWindow ? 'deduplicated' : 'repeat', notified: false };
    }
    if (existing.status === 'resolved') {
      return { alert: await touch(existing.severity, existing.suppressed), outcome: 'stale', notified: false };
    }
    const resolvedAlert = await this.updated(RESOLVE, [input.endsAt ? input.endsAt.toISOString() : now, now, id]);
    await this.addEvent(id, 'resolved', null, null);
    return { alert: resolvedAlert, outcome: 'resolved', notified: false };
  }

  /** Runs an UPDATE … RETURNING of the row it changed (a row locked or just read: it exists): no second read. */
  private async updated(sql: string, params: unknown[]): Promise<Alert> {
    return decode((await this.db.get<Row>(sql, params))!);
  }

  async markNotified(id: number): Promise<void> {
    await this.db.run(NOTIFIED, [this.clock.now().toISOString(), id]);
  }

  async ack(id: number, by: { name: string; actor: string }, note: string | null): Promise<void> {
    await this.db.run(ACK, [this.clock.now().toISOString(), by.name, note, id]);
    await this.addEvent(id, 'acked', by.actor, note);
  }

  async setQuiet(id: number, quiet: string | null, actor: string | null): Promise<void> {
    await this.db.run(QUIET, [quiet, id]);
    await this.addEvent(id, quiet === null ? 'unquieted' : quiet === 'maintenance' ? 'suppressed' : 'silenced', actor, quiet);
  }

  /** Firing alerts still held back for a host's maintenance. */
  async heldForMaintenance(serverId: number): Promise<Alert[]> {
    return (await this.db.all<Row>(HELD_FOR_MAINTENANCE, [serverId])).map(decode);
  }

  /** Firing alerts held back by some silence. */
  async silencedFiring(): Promise<Alert[]> {
    return (await this.db.all<Row>(SILENCED_FIRING)).map(decode);
  }

  async addEvent(id: number, kind: string, actor: string | null, detail: string | null): Promise<void> {
    await this.db.run(EVENT, [id, this.clock.now().toISOString(), kind, actor, detail]);
  }

  /** Newest first; the oldest is the alert's first sighting. */
  async events(id: number, limit: number): Promise<AlertEvent[]> {
    const events = await this.db.all<AlertEvent>(EVENTS, [id, limit]);
    if (events.length < limit) {
      const a = await this.get(id);
      if (a) events.push({ id: 0, at: a.first_seen_at, kind: 'first seen', actor: null, detail: a.source });
    }
    return events;
  }

  /** Critical alerts nobody acknowledged whose last post is older than `before`. */
  async dueRepeats(before: Date): Promise<Alert[]> {
    return (await this.db.all<Row>(DUE_REPEATS, [before.toISOString()])).map(decode);
  }

  async firingForServer(serverId: number, limit: number): Promise<Alert[]> {
    return (await this.db.all<Row>(FIRING_FOR_SERVER, [serverId, limit])).map(decode);
  }

  /** Alerts of a host held back for maintenance and seen since `since`. */
  async suppressedSince(serverId: number, since: string): Promise<Alert[]> {
    return (await this.db.all<Row>(SUPPRESSED_SINCE, [serverId, since])).map(decode);
  }

  /** Newest first, with the total that matched. */
  async list(query: AlertQuery): Promise<{ total: number; alerts: Alert[] }> {
    const status = query.status ?? 'firing';
    // Each filter that is set adds its condition and, when it has one, its parameter.
    // The texts come in a few dozen shapes at most, so each gets its cached statement.
    const filters: Array<[boolean, string, unknown?]> = [
      [status !== 'all', 'status = ?', status],
      [!!query.host, "host LIKE ? ESCAPE '\\'", query.host && globToLike(query.host)],
      [!!query.severity, 'severity = ?', query.severity],
      [!!query.name, "name LIKE ? ESCAPE '\\'", query.name && globToLike(query.name)],
      [!!query.since, 'last_seen_at >= ?', query.since],
      [!!query.firingOrSeenSince, "(status = 'firing' OR last_seen_at >= ?)", query.firingOrSeenSince],
      [query.includeQuiet === false, 'suppressed IS NULL'],
    ];
    const on = filters.filter(([set]) => set);
    const where = on.map(([, sql]) => sql);
    const params = on.filter((f) => f.length === 3).map(([, , p]) => p);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (await this.db.value<number>(`SELECT COUNT(*) FROM alerts ${clause}`, params))!;
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM alerts ${clause} ORDER BY last_seen_at DESC, id DESC LIMIT ? OFFSET ?`, [...params, query.limit, query.offset ?? 0]);
    return { total, alerts: rows.map(decode) };
  }
}

function decode(r: Row): Alert {
  return { ...r, labels: JSON.parse(r.labels) as Record<string, string> };
}

/** `web0*` → `web0%`, case-insensitive as LIKE is for ASCII. */
function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => '\\' + c).replace(/\*/g, '%').replace(/\?/g, '_');
}
