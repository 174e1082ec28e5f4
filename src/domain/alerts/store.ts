import type { Clock } from '../../clock.js';
import type { DB } from '../../store/database.js';
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

/** The alerts table and each alert's history. Synchronous: callers wrap what must commit together in one transaction. */
export class AlertStore {
  private readonly q;

  constructor(private readonly db: DB, private readonly clock: Clock) {
    this.q = {
      byFingerprint: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE source = ? AND fingerprint = ?`),
      byId: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE id = ?`),
      insert: db.prepare(`INSERT INTO alerts (fingerprint, source, name, severity, status, host, server_id, summary, text, labels, url,
        started_at, resolved_at, first_seen_at, last_seen_at, suppressed)
        VALUES (@fingerprint, @source, @name, @severity, @status, @host, @server_id, @summary, @text, @labels, @url,
        @started_at, @resolved_at, @now, @now, @suppressed)`),
      reopen: db.prepare(`UPDATE alerts SET status = 'firing', name = @name, severity = @severity, host = @host, server_id = @server_id,
        summary = @summary, text = @text, labels = @labels, url = @url, started_at = @started_at, resolved_at = NULL, last_seen_at = @now,
        count = 1, last_notified_at = NULL, acked_at = NULL, acked_by = NULL, ack_note = NULL, suppressed = @suppressed WHERE id = @id`),
      touch: db.prepare(`UPDATE alerts SET last_seen_at = @now, count = count + 1, severity = @severity, summary = @summary, text = @text,
        labels = @labels, url = @url, suppressed = @suppressed WHERE id = @id`),
      resolve: db.prepare(`UPDATE alerts SET status = 'resolved', resolved_at = @resolved_at, last_seen_at = @now, count = count + 1 WHERE id = @id`),
      notified: db.prepare('UPDATE alerts SET last_notified_at = ? WHERE id = ?'),
      ack: db.prepare('UPDATE alerts SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?'),
      quiet: db.prepare('UPDATE alerts SET suppressed = ? WHERE id = ?'),
      quietFiringForServer: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE status = 'firing' AND suppressed = 'maintenance' AND server_id = ?`),
      silencedFiring: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE status = 'firing' AND suppressed LIKE 'silence:%'`),
      event: db.prepare('INSERT INTO alert_events (alert_id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare('SELECT id, at, kind, actor, detail FROM alert_events WHERE alert_id = ? ORDER BY id DESC LIMIT ?'),
      dueRepeats: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE status = 'firing' AND severity = 'critical' AND acked_at IS NULL
        AND suppressed IS NULL AND last_notified_at IS NOT NULL AND last_notified_at <= ? ORDER BY id LIMIT 500`),
      firingForServer: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE server_id = ? AND status = 'firing' ORDER BY id DESC LIMIT ?`),
      suppressedSince: db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE server_id = ? AND suppressed = 'maintenance' AND last_seen_at >= ? ORDER BY id`),
    };
  }

  get(id: number): Alert | null {
    const r = this.q.byId.get(id) as Row | undefined;
    return r ? decode(r) : null;
  }

  /**
   * Applies one notification. `quiet` says why it must not be posted
   * (maintenance, a silence); it is stored on the alert either way.
   */
  record(input: AlertInput, match: { serverId: number | null; host: string | null }, dedupMs: number, quiet: string | null): { alert: Alert; outcome: Outcome } {
    const now = this.clock.now().toISOString();
    const fingerprint = input.fingerprint ?? labelsFingerprint(input.source, { ...input.labels, ...(!input.labels.alertname && { alertname: input.name }) });
    const existing = this.q.byFingerprint.get(input.source, fingerprint) as Row | undefined;
    const fields = {
      source: input.source,
      name: input.name,
      severity: input.severity,
      host: match.host,
      server_id: match.serverId,
      summary: input.summary,
      text: input.text ?? null,
      labels: JSON.stringify(input.labels),
      url: input.url ?? null,
      now,
      suppressed: quiet,
    };
    const startedAt = (input.startsAt ?? this.clock.now()).toISOString();

    if (!existing) {
      const resolved = input.status === 'resolved';
      const row = { ...fields, fingerprint, status: input.status, started_at: startedAt, resolved_at: resolved ? (input.endsAt ?? this.clock.now()).toISOString() : null };
      const id = Number(this.q.insert.run(row).lastInsertRowid);
      // The first 'firing' is the row itself (first_seen_at): one write fewer per new alert.
      if (resolved) this.addEvent(id, 'resolved', null, null);
      if (!resolved && quiet) this.addEvent(id, quiet === 'maintenance' ? 'suppressed' : 'silenced', null, quiet);
      // Built from what was written rather than read back: a storm is mostly new alerts.
      const alert: Alert = {
        id, fingerprint, source: row.source, name: row.name, severity: input.severity, status: input.status, host: row.host, server_id: row.server_id,
        summary: row.summary, text: row.text, labels: input.labels, url: row.url, started_at: row.started_at, resolved_at: row.resolved_at,
        first_seen_at: now, last_seen_at: now, count: 1, last_notified_at: null, acked_at: null, acked_by: null, ack_note: null, suppressed: quiet,
      };
      return { alert, outcome: resolved ? 'stale' : 'opened' };
    }

    const id = existing.id;
    if (input.status === 'firing') {
      if (existing.status === 'resolved') {
        this.q.reopen.run({ ...fields, id, started_at: startedAt });
        this.addEvent(id, 'firing', null, input.summary);
        if (quiet) this.addEvent(id, quiet === 'maintenance' ? 'suppressed' : 'silenced', null, quiet);
        return { alert: this.get(id)!, outcome: 'opened' };
      }
      this.q.touch.run({ ...fields, id });
      if (quiet && quiet !== existing.suppressed) this.addEvent(id, quiet === 'maintenance' ? 'suppressed' : 'silenced', null, quiet);
      // Never posted (it was quiet until now): this is its first post.
      if (existing.last_notified_at === null) return { alert: this.get(id)!, outcome: 'opened' };
      // Worse than before: news, whatever the window says.
      if (severityRank(input.severity) < severityRank(existing.severity)) {
        this.addEvent(id, 'escalated', null, `${existing.severity} → ${input.severity}`);
        return { alert: this.get(id)!, outcome: 'escalated' };
      }
      const withinWindow = Date.parse(now) - Date.parse(existing.last_notified_at) < dedupMs;
      return { alert: this.get(id)!, outcome: withinWindow ? 'deduplicated' : 'repeat' };
    }
    if (existing.status === 'resolved') {
      this.q.touch.run({ ...fields, id, severity: existing.severity, suppressed: existing.suppressed });
      return { alert: this.get(id)!, outcome: 'stale' };
    }
    this.q.resolve.run({ id, now, resolved_at: (input.endsAt ?? this.clock.now()).toISOString() });
    this.addEvent(id, 'resolved', null, null);
    return { alert: this.get(id)!, outcome: 'resolved' };
  }

  markNotified(id: number): void {
    this.q.notified.run(this.clock.now().toISOString(), id);
  }

  ack(id: number, by: { name: string; actor: string }, note: string | null): void {
    this.q.ack.run(this.clock.now().toISOString(), by.name, note, id);
    this.addEvent(id, 'acked', by.actor, note);
  }

  setQuiet(id: number, quiet: string | null, actor: string | null): void {
    this.q.quiet.run(quiet, id);
    this.addEvent(id, quiet === null ? 'unquieted' : quiet === 'maintenance' ? 'suppressed' : 'silenced', actor, quiet);
  }

  /** Firing alerts still held back for a host's maintenance. */
  heldForMaintenance(serverId: number): Alert[] {
    return (this.q.quietFiringForServer.all(serverId) as Row[]).map(decode);
  }

  /** Firing alerts held back by some silence. */
  silencedFiring(): Alert[] {
    return (this.q.silencedFiring.all() as Row[]).map(decode);
  }

  addEvent(id: number, kind: string, actor: string | null, detail: string | null): void {
    this.q.event.run(id, this.clock.now().toISOString(), kind, actor, detail);
  }

  /** Newest first; the oldest is the alert's first sighting. */
  events(id: number, limit: number): AlertEvent[] {
    const events = this.q.events.all(id, limit) as AlertEvent[];
    if (events.length < limit) {
      const a = this.get(id);
      if (a) events.push({ id: 0, at: a.first_seen_at, kind: 'first seen', actor: null, detail: a.source });
    }
    return events;
  }

  /** Critical alerts nobody acknowledged whose last post is older than `before`. */
  dueRepeats(before: Date): Alert[] {
    return (this.q.dueRepeats.all(before.toISOString()) as Row[]).map(decode);
  }

  firingForServer(serverId: number, limit: number): Alert[] {
    return (this.q.firingForServer.all(serverId, limit) as Row[]).map(decode);
  }

  /** Alerts of a host held back for maintenance and seen since `since`. */
  suppressedSince(serverId: number, since: string): Alert[] {
    return (this.q.suppressedSince.all(serverId, since) as Row[]).map(decode);
  }

  /** Newest first, with the total that matched. */
  list(query: AlertQuery): { total: number; alerts: Alert[] } {
    const status = query.status ?? 'firing';
    // Each filter that is set adds its condition and, when it has one, its parameter.
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
    const total = this.db.prepare(`SELECT COUNT(*) FROM alerts ${clause}`).pluck().get(...params) as number;
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM alerts ${clause} ORDER BY last_seen_at DESC, id DESC LIMIT ? OFFSET ?`).all(...params, query.limit, query.offset ?? 0) as Row[];
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
