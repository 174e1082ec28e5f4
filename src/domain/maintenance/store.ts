import type { Clock } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { MaintenanceWindow, NewWindow, Schedule, WindowStatus, WindowUpdate } from './model.js';

type WindowRow = Omit<MaintenanceWindow, 'channels'> & { channels: string };
type ScheduleRow = Omit<Schedule, 'channels'> & { channels: string };

// RETURNING rather than Sql.insert: an occurrence of a schedule that exists
// already inserts nothing, and then there is no new id to return.
const INSERT = `INSERT INTO maintenance_windows (title, targets, status, starts_at, ends_at, owner, channels, schedule_id, created_at)
  VALUES (?, ?, 'scheduled', ?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, starts_at) DO NOTHING RETURNING id`;
const GET = 'SELECT * FROM maintenance_windows WHERE id = ?';
const STARTED = "UPDATE maintenance_windows SET status = 'in_progress', started_at = ? WHERE id = ? AND status = 'scheduled'";
const FINISHED = 'UPDATE maintenance_windows SET status = ?, finished_at = ? WHERE id = ? AND status = ?';
const EXTEND = `UPDATE maintenance_windows SET ends_at = ?, status = CASE status WHEN 'overdue' THEN 'in_progress' ELSE status END, overdue_announced_at = NULL
  WHERE id = ? AND status NOT IN ('done', 'cancelled')`;
const LEAD_ANNOUNCED = "UPDATE maintenance_windows SET lead_announced_at = ? WHERE id = ? AND status = 'scheduled' AND lead_announced_at IS NULL";
// IS NOT DISTINCT FROM: `= ?` never matches NULL, and PostgreSQL has no `IS ?`.
const OVERDUE_ANNOUNCED = `UPDATE maintenance_windows SET status = 'overdue', overdue_announced_at = ?
  WHERE id = ? AND status IN ('in_progress', 'overdue') AND ends_at <= ? AND overdue_announced_at IS NOT DISTINCT FROM ?`;
const MISSED = "UPDATE maintenance_windows SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'scheduled' AND ends_at <= ?";
const ADD_UPDATE = 'INSERT INTO maintenance_updates (window_id, at, actor, kind, text) VALUES (?, ?, ?, ?, ?)';
const UPDATES = 'SELECT id, at, actor, kind, text FROM maintenance_updates WHERE window_id = ? ORDER BY id DESC LIMIT ?';
const ADD_HOST = 'INSERT INTO maintenance_hosts (window_id, server_id, previous_status) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
const HOSTS = 'SELECT server_id, previous_status FROM maintenance_hosts WHERE window_id = ? ORDER BY server_id';
const ACTIVE_FOR_SERVER = `SELECT w.*, h.previous_status FROM maintenance_hosts h JOIN maintenance_windows w ON w.id = h.window_id
  WHERE h.server_id = ? AND w.status IN ('in_progress', 'overdue') ORDER BY w.id`;
// One maintenance_hosts row per (window, server): no DISTINCT needed.
const FOR_SERVER = `SELECT w.* FROM maintenance_windows w JOIN maintenance_hosts h ON h.window_id = w.id
  WHERE h.server_id = ? ORDER BY w.starts_at DESC, w.id DESC LIMIT ?`;
const DUE_TO_START = "SELECT * FROM maintenance_windows WHERE status = 'scheduled' AND starts_at <= ? ORDER BY starts_at, id";
const DUE_LEAD = "SELECT * FROM maintenance_windows WHERE status = 'scheduled' AND lead_announced_at IS NULL AND starts_at <= ? ORDER BY starts_at, id";
const DUE_OVERDUE = `SELECT * FROM maintenance_windows WHERE status IN ('in_progress', 'overdue') AND ends_at <= ?
  AND (overdue_announced_at IS NULL OR overdue_announced_at <= ?) ORDER BY id`;
const CURRENT = `SELECT * FROM maintenance_windows WHERE (status IN ('in_progress', 'overdue')) OR (status = 'scheduled' AND starts_at <= ?)
  ORDER BY CASE WHEN status = 'scheduled' THEN 1 ELSE 0 END, starts_at, id`;
const COUNT_ALL = 'SELECT COUNT(*) FROM maintenance_windows';
const COUNT_STATUS = 'SELECT COUNT(*) FROM maintenance_windows WHERE status = ?';
const LIST_ALL = 'SELECT * FROM maintenance_windows ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?';
const LIST_STATUS = 'SELECT * FROM maintenance_windows WHERE status = ? ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?';
const COUNT_FINISHED = "SELECT COUNT(*) FROM maintenance_windows WHERE status IN ('done', 'cancelled')";
const FINISHED_PAGE = `SELECT * FROM maintenance_windows WHERE status IN ('done', 'cancelled')
  ORDER BY coalesce(finished_at, ends_at) DESC, id DESC LIMIT ? OFFSET ?`;
const INSERT_SCHEDULE = 'INSERT INTO maintenance_schedules (title, targets, cron, duration_ms, owner, channels, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const SCHEDULE = 'SELECT * FROM maintenance_schedules WHERE id = ?';
const DUE_SCHEDULES = 'SELECT * FROM maintenance_schedules WHERE cancelled_at IS NULL AND next_at <= ? ORDER BY id';
const ADVANCE_SCHEDULE = 'UPDATE maintenance_schedules SET next_at = ? WHERE id = ? AND next_at = ? AND cancelled_at IS NULL';
const END_SCHEDULE = 'UPDATE maintenance_schedules SET cancelled_at = ? WHERE id = ? AND next_at = ? AND cancelled_at IS NULL';
const CANCEL_SCHEDULE = 'UPDATE maintenance_schedules SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL';
const FIRST_OF_SCHEDULE = "SELECT * FROM maintenance_windows WHERE schedule_id = ? AND status = 'scheduled' ORDER BY starts_at LIMIT 1";

/**
 * The maintenance tables. The service wraps what must commit together in a
 * transaction; the writes that the scheduler's tick races on (another tick,
 * another process on the same PostgreSQL) are conditional and say whether
 * they won.
 */
export class MaintenanceStore {
  constructor(private readonly db: Sql, private readonly clock: Clock) {}

  /** A new scheduled window; null when that occurrence of a schedule exists already. */
  async insert(w: NewWindow): Promise<MaintenanceWindow | null> {
    const id = await this.db.value<number>(INSERT, [w.title, w.targets, w.starts_at.toISOString(), w.ends_at.toISOString(), w.owner, w.channels.join(' '), w.schedule_id ?? null, this.now()]);
    return id === undefined ? null : this.get(id);
  }

  async get(id: number): Promise<MaintenanceWindow | null> {
    const r = await this.db.get<WindowRow>(GET, [id]);
    return r ? decode(r) : null;
  }

  /** Marks a scheduled window started; false when it was not scheduled any more (started elsewhere, cancelled). */
  async markStarted(id: number): Promise<boolean> {
    return (await this.db.run(STARTED, [this.now(), id])).changes === 1;
  }

  /** Ends a window that still has the status `from` the caller saw; false when someone changed it meanwhile. */
  async finish(id: number, status: Extract<WindowStatus, 'done' | 'cancelled'>, from: WindowStatus): Promise<boolean> {
    return (await this.db.run(FINISHED, [status, this.now(), id, from])).changes === 1;
  }

  /** Moves the planned end; false when the window is done or cancelled. */
  async extend(id: number, endsAt: Date): Promise<boolean> {
    return (await this.db.run(EXTEND, [endsAt.toISOString(), id])).changes === 1;
  }

  /** The guarded writes below return false when another tick (or process) got there first. */
  async markLeadAnnounced(id: number): Promise<boolean> {
    return (await this.db.run(LEAD_ANNOUNCED, [this.now(), id])).changes === 1;
  }

  /**
   * `last` is the overdue announcement the caller saw: the update only wins
   * if it is still that one and the window is still past its end at `now`
   * (an extend in between moves the end and clears `last`).
   */
  async markOverdue(id: number, last: string | null, now: Date): Promise<boolean> {
    return (await this.db.run(OVERDUE_ANNOUNCED, [this.now(), id, now.toISOString(), last])).changes === 1;
  }

  /** A scheduled window whose planned end (as of now) has passed: cancelled as missed. */
  async markMissed(id: number, now: Date): Promise<boolean> {
    return (await this.db.run(MISSED, [this.now(), id, now.toISOString()])).changes === 1;
  }

  async addUpdate(windowId: number, actor: string, kind: string, text: string | null): Promise<void> {
    await this.db.run(ADD_UPDATE, [windowId, this.now(), actor, kind, text]);
  }

  updates(windowId: number, limit: number): Promise<WindowUpdate[]> {
    return this.db.all<WindowUpdate>(UPDATES, [windowId, limit]);
  }

  async addHost(windowId: number, serverId: number, previousStatus: string): Promise<void> {
    await this.db.run(ADD_HOST, [windowId, serverId, previousStatus]);
  }

  hosts(windowId: number): Promise<Array<{ server_id: number; previous_status: string }>> {
    return this.db.all<{ server_id: number; previous_status: string }>(HOSTS, [windowId]);
  }

  /** Running windows covering a host, with the status it had before each. */
  async activeForServer(serverId: number): Promise<Array<MaintenanceWindow & { previous_status: string }>> {
    return (await this.db.all<WindowRow & { previous_status: string }>(ACTIVE_FOR_SERVER, [serverId])).map((r) => ({ ...decode(r), previous_status: r.previous_status }));
  }

  async forServer(serverId: number, limit: number): Promise<MaintenanceWindow[]> {
    return (await this.db.all<WindowRow>(FOR_SERVER, [serverId, limit])).map(decode);
  }

  async dueToStart(now: Date): Promise<MaintenanceWindow[]> {
    return (await this.db.all<WindowRow>(DUE_TO_START, [now.toISOString()])).map(decode);
  }

  /** Scheduled windows starting before `until` whose lead announcement is still to be made. */
  async dueLead(until: Date): Promise<MaintenanceWindow[]> {
    return (await this.db.all<WindowRow>(DUE_LEAD, [until.toISOString()])).map(decode);
  }

  /** Running windows past their planned end, not announced as overdue since `lastBefore`. */
  async dueOverdue(now: Date, lastBefore: Date): Promise<MaintenanceWindow[]> {
    return (await this.db.all<WindowRow>(DUE_OVERDUE, [now.toISOString(), lastBefore.toISOString()])).map(decode);
  }

  /** Running windows, then scheduled ones starting before `until`. */
  async current(until: Date): Promise<MaintenanceWindow[]> {
    return (await this.db.all<WindowRow>(CURRENT, [until.toISOString()])).map(decode);
  }

  async list(filter: { status?: WindowStatus; limit: number; offset: number }): Promise<{ total: number; windows: MaintenanceWindow[] }> {
    const [total, rows] = filter.status
      ? [await this.db.value<number>(COUNT_STATUS, [filter.status]), await this.db.all<WindowRow>(LIST_STATUS, [filter.status, filter.limit, filter.offset])]
      : [await this.db.value<number>(COUNT_ALL), await this.db.all<WindowRow>(LIST_ALL, [filter.limit, filter.offset])];
    return { total: total ?? 0, windows: rows.map(decode) };
  }

  /** Done and cancelled windows, the latest to finish first. */
  async finished(limit: number, offset: number): Promise<{ total: number; windows: MaintenanceWindow[] }> {
    const total = (await this.db.value<number>(COUNT_FINISHED)) ?? 0;
    const rows = await this.db.all<WindowRow>(FINISHED_PAGE, [limit, offset]);
    return { total, windows: rows.map(decode) };
  }

  async insertSchedule(s: Omit<Schedule, 'id' | 'created_at' | 'cancelled_at'>): Promise<Schedule> {
    const id = await this.db.insert(INSERT_SCHEDULE, [s.title, s.targets, s.cron, s.duration_ms, s.owner, s.channels.join(' '), s.next_at, this.now()]);
    return (await this.schedule(id))!;
  }

  async schedule(id: number): Promise<Schedule | null> {
    const r = await this.db.get<ScheduleRow>(SCHEDULE, [id]);
    return r ? { ...r, channels: words(r.channels) } : null;
  }

  /** Schedules whose next occurrence (not yet a window) is before `until`. */
  async dueSchedules(until: Date): Promise<Schedule[]> {
    return (await this.db.all<ScheduleRow>(DUE_SCHEDULES, [until.toISOString()])).map((r) => ({ ...r, channels: words(r.channels) }));
  }

  async firstOfSchedule(scheduleId: number): Promise<MaintenanceWindow | null> {
    const r = await this.db.get<WindowRow>(FIRST_OF_SCHEDULE, [scheduleId]);
    return r ? decode(r) : null;
  }

  /** Moves a running schedule's next occurrence from `from` to `to`; false when another tick (or process) moved it first. */
  async advanceSchedule(id: number, from: string, to: string): Promise<boolean> {
    return (await this.db.run(ADVANCE_SCHEDULE, [to, id, from])).changes === 1;
  }

  /** Stops a schedule that has no occurrence after `from`; false when another tick (or process) got there first. */
  async endSchedule(id: number, from: string): Promise<boolean> {
    return (await this.db.run(END_SCHEDULE, [this.now(), id, from])).changes === 1;
  }

  /** Stops a schedule; false when it was stopped already. */
  async cancelSchedule(id: number): Promise<boolean> {
    return (await this.db.run(CANCEL_SCHEDULE, [this.now(), id])).changes === 1;
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
