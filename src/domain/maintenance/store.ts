import type { Clock } from '../../clock.js';
import type { DB } from '../../store/database.js';
import type { MaintenanceWindow, NewWindow, Schedule, WindowStatus, WindowUpdate } from './model.js';

type WindowRow = Omit<MaintenanceWindow, 'channels'> & { channels: string };
type ScheduleRow = Omit<Schedule, 'channels'> & { channels: string };

/** The maintenance tables. Synchronous: the service wraps what must commit together. */
export class MaintenanceStore {
  private readonly q;

  constructor(private readonly db: DB, private readonly clock: Clock) {
    this.q = {
      insert: db.prepare(`INSERT INTO maintenance_windows (title, targets, status, starts_at, ends_at, owner, channels, schedule_id, created_at)
        VALUES (?, ?, 'scheduled', ?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, starts_at) DO NOTHING`),
      get: db.prepare('SELECT * FROM maintenance_windows WHERE id = ?'),
      started: db.prepare("UPDATE maintenance_windows SET status = 'in_progress', started_at = ? WHERE id = ? AND status = 'scheduled'"),
      finished: db.prepare('UPDATE maintenance_windows SET status = ?, finished_at = ? WHERE id = ?'),
      extend: db.prepare("UPDATE maintenance_windows SET ends_at = ?, status = CASE status WHEN 'overdue' THEN 'in_progress' ELSE status END, overdue_announced_at = NULL WHERE id = ?"),
      leadAnnounced: db.prepare('UPDATE maintenance_windows SET lead_announced_at = ? WHERE id = ? AND lead_announced_at IS NULL'),
      overdueAnnounced: db.prepare(`UPDATE maintenance_windows SET status = 'overdue', overdue_announced_at = ?
        WHERE id = ? AND status IN ('in_progress', 'overdue') AND overdue_announced_at IS ?`),
      missed: db.prepare("UPDATE maintenance_windows SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'scheduled'"),
      update: db.prepare('INSERT INTO maintenance_updates (window_id, at, actor, kind, text) VALUES (?, ?, ?, ?, ?)'),
      updates: db.prepare('SELECT id, at, actor, kind, text FROM maintenance_updates WHERE window_id = ? ORDER BY id DESC LIMIT ?'),
      addHost: db.prepare('INSERT OR IGNORE INTO maintenance_hosts (window_id, server_id, previous_status) VALUES (?, ?, ?)'),
      hosts: db.prepare('SELECT server_id, previous_status FROM maintenance_hosts WHERE window_id = ?'),
      activeForServer: db.prepare(`SELECT w.*, h.previous_status FROM maintenance_hosts h JOIN maintenance_windows w ON w.id = h.window_id
        WHERE h.server_id = ? AND w.status IN ('in_progress', 'overdue') ORDER BY w.id`),
      forServer: db.prepare(`SELECT DISTINCT w.* FROM maintenance_windows w JOIN maintenance_hosts h ON h.window_id = w.id
        WHERE h.server_id = ? ORDER BY w.starts_at DESC LIMIT ?`),
      dueToStart: db.prepare("SELECT * FROM maintenance_windows WHERE status = 'scheduled' AND starts_at <= ? ORDER BY starts_at, id"),
      dueLead: db.prepare("SELECT * FROM maintenance_windows WHERE status = 'scheduled' AND lead_announced_at IS NULL AND starts_at <= ? ORDER BY starts_at, id"),
      dueOverdue: db.prepare(`SELECT * FROM maintenance_windows WHERE status IN ('in_progress', 'overdue') AND ends_at <= ?
        AND (overdue_announced_at IS NULL OR overdue_announced_at <= ?) ORDER BY id`),
      between: db.prepare(`SELECT * FROM maintenance_windows WHERE (status IN ('in_progress', 'overdue')) OR (status = 'scheduled' AND starts_at <= ?)
        ORDER BY CASE WHEN status = 'scheduled' THEN 1 ELSE 0 END, starts_at, id`),
      insertSchedule: db.prepare('INSERT INTO maintenance_schedules (title, targets, cron, duration_ms, owner, channels, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      schedule: db.prepare('SELECT * FROM maintenance_schedules WHERE id = ?'),
      dueSchedules: db.prepare('SELECT * FROM maintenance_schedules WHERE cancelled_at IS NULL AND next_at <= ? ORDER BY id'),
      advanceSchedule: db.prepare('UPDATE maintenance_schedules SET next_at = ? WHERE id = ?'),
      cancelSchedule: db.prepare('UPDATE maintenance_schedules SET cancelled_at = ? WHERE id = ?'),
      firstOfSchedule: db.prepare("SELECT * FROM maintenance_windows WHERE schedule_id = ? AND status = 'scheduled' ORDER BY starts_at LIMIT 1"),
    };
  }

  /** A new scheduled window; null when that occurrence of a schedule exists already. */
  insert(w: NewWindow): MaintenanceWindow | null {
    const r = this.q.insert.run(w.title, w.targets, w.starts_at.toISOString(), w.ends_at.toISOString(), w.owner, w.channels.join(' '), w.schedule_id ?? null, this.now());
    return r.changes === 0 ? null : this.get(Number(r.lastInsertRowid));
  }

  get(id: number): MaintenanceWindow | null {
    const r = this.q.get.get(id) as WindowRow | undefined;
    return r ? decode(r) : null;
  }

  /** Marks a scheduled window started; false when it was not scheduled any more (started elsewhere, cancelled). */
  markStarted(id: number): boolean {
    return this.q.started.run(this.now(), id).changes === 1;
  }

  finish(id: number, status: Extract<WindowStatus, 'done' | 'cancelled'>): void {
    this.q.finished.run(status, this.now(), id);
  }

  extend(id: number, endsAt: Date): void {
    this.q.extend.run(endsAt.toISOString(), id);
  }

  /** The guarded writes below return false when another tick (or process) got there first. */
  markLeadAnnounced(id: number): boolean {
    return this.q.leadAnnounced.run(this.now(), id).changes === 1;
  }

  /** `last` is the overdue announcement the caller saw: the update only wins if it is still that one. */
  markOverdue(id: number, last: string | null): boolean {
    return this.q.overdueAnnounced.run(this.now(), id, last).changes === 1;
  }

  markMissed(id: number): boolean {
    return this.q.missed.run(this.now(), id).changes === 1;
  }

  addUpdate(windowId: number, actor: string, kind: string, text: string | null): void {
    this.q.update.run(windowId, this.now(), actor, kind, text);
  }

  updates(windowId: number, limit: number): WindowUpdate[] {
    return this.q.updates.all(windowId, limit) as WindowUpdate[];
  }

  addHost(windowId: number, serverId: number, previousStatus: string): void {
    this.q.addHost.run(windowId, serverId, previousStatus);
  }

  hosts(windowId: number): Array<{ server_id: number; previous_status: string }> {
    return this.q.hosts.all(windowId) as Array<{ server_id: number; previous_status: string }>;
  }

  /** Running windows covering a host, with the status it had before each. */
  activeForServer(serverId: number): Array<MaintenanceWindow & { previous_status: string }> {
    return (this.q.activeForServer.all(serverId) as Array<WindowRow & { previous_status: string }>).map((r) => ({ ...decode(r), previous_status: r.previous_status }));
  }

  forServer(serverId: number, limit: number): MaintenanceWindow[] {
    return (this.q.forServer.all(serverId, limit) as WindowRow[]).map(decode);
  }

  dueToStart(now: Date): MaintenanceWindow[] {
    return (this.q.dueToStart.all(now.toISOString()) as WindowRow[]).map(decode);
  }

  /** Scheduled windows starting before `until` whose lead announcement is still to be made. */
  dueLead(until: Date): MaintenanceWindow[] {
    return (this.q.dueLead.all(until.toISOString()) as WindowRow[]).map(decode);
  }

  /** Running windows past their planned end, not announced as overdue since `lastBefore`. */
  dueOverdue(now: Date, lastBefore: Date): MaintenanceWindow[] {
    return (this.q.dueOverdue.all(now.toISOString(), lastBefore.toISOString()) as WindowRow[]).map(decode);
  }

  /** Running windows, then scheduled ones starting before `until`. */
  current(until: Date): MaintenanceWindow[] {
    return (this.q.between.all(until.toISOString()) as WindowRow[]).map(decode);
  }

  list(filter: { status?: WindowStatus; limit: number; offset: number }): { total: number; windows: MaintenanceWindow[] } {
    const where = filter.status ? 'WHERE status = ?' : '';
    const params = filter.status ? [filter.status] : [];
    const total = this.db.prepare(`SELECT COUNT(*) FROM maintenance_windows ${where}`).pluck().get(...params) as number;
    const rows = this.db.prepare(`SELECT * FROM maintenance_windows ${where} ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?`).all(...params, filter.limit, filter.offset) as WindowRow[];
    return { total, windows: rows.map(decode) };
  }

  /** Done and cancelled windows, the latest to finish first. */
  finished(limit: number, offset: number): { total: number; windows: MaintenanceWindow[] } {
    const where = "WHERE status IN ('done', 'cancelled')";
    const total = this.db.prepare(`SELECT COUNT(*) FROM maintenance_windows ${where}`).pluck().get() as number;
    const rows = this.db.prepare(`SELECT * FROM maintenance_windows ${where} ORDER BY coalesce(finished_at, ends_at) DESC, id DESC LIMIT ? OFFSET ?`).all(limit, offset) as WindowRow[];
    return { total, windows: rows.map(decode) };
  }

  insertSchedule(s: Omit<Schedule, 'id' | 'created_at' | 'cancelled_at'>): Schedule {
    const id = Number(this.q.insertSchedule.run(s.title, s.targets, s.cron, s.duration_ms, s.owner, s.channels.join(' '), s.next_at, this.now()).lastInsertRowid);
    return this.schedule(id)!;
  }

  schedule(id: number): Schedule | null {
    const r = this.q.schedule.get(id) as ScheduleRow | undefined;
    return r ? { ...r, channels: words(r.channels) } : null;
  }

  /** Schedules whose next occurrence (not yet a window) is before `until`. */
  dueSchedules(until: Date): Schedule[] {
    return (this.q.dueSchedules.all(until.toISOString()) as ScheduleRow[]).map((r) => ({ ...r, channels: words(r.channels) }));
  }

  firstOfSchedule(scheduleId: number): MaintenanceWindow | null {
    const r = this.q.firstOfSchedule.get(scheduleId) as WindowRow | undefined;
    return r ? decode(r) : null;
  }

  advanceSchedule(id: number, nextAt: string): void {
    this.q.advanceSchedule.run(nextAt, id);
  }

  cancelSchedule(id: number): void {
    this.q.cancelSchedule.run(this.now(), id);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function words(s: string): string[] {
  return s.split(' ').filter(Boolean);
}

function decode(r: WindowRow): MaintenanceWindow {
  return { ...r, channels: words(r.channels) };
}
