import type { Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import type { DB } from '../../store/database.js';
import type { Priority, Ticket, TicketCommit, TicketEvent, TicketEventKind, TicketFilter, TicketStatus } from './model.js';

type TicketRow = Omit<Ticket, 'hosts'> & { hosts: string | null };

const SELECT = `SELECT t.*, (SELECT group_concat(name, ' ') FROM (SELECT s.name FROM ticket_hosts h JOIN servers s ON s.id = h.server_id
  WHERE h.ticket_id = t.id ORDER BY s.name)) AS hosts FROM tickets t`;
/** Most urgent first, then the longest-waiting. */
const BY_PRIORITY = "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, t.id";

export interface NewEvent {
  actor: string;
  kind: TicketEventKind;
  old_value?: string | null;
  new_value?: string | null;
  body?: string | null;
  repo?: string;
  sha?: string;
  url?: string | null;
}

/** The ticket tables. Synchronous: the service wraps what must commit together. */
export class TicketStore {
  private readonly q;

  private readonly listStatements = new Map<string, Statement>();

  constructor(private readonly db: DB, private readonly clock: Clock) {
    this.q = {
      insert: db.prepare(`INSERT INTO tickets (title, description, priority, reporter, assignee, channel, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      get: db.prepare(`${SELECT} WHERE t.id = ?`),
      exists: db.prepare('SELECT 1 FROM tickets WHERE id = ?').pluck(),
      touch: db.prepare('UPDATE tickets SET updated_at = ? WHERE id = ?'),
      setStatus: db.prepare(`UPDATE tickets SET status = ?, updated_at = ?,
        closed_at = CASE WHEN ? IN ('resolved', 'closed') THEN coalesce(closed_at, ?) ELSE NULL END WHERE id = ?`),
      setAssignee: db.prepare('UPDATE tickets SET assignee = ?, updated_at = ? WHERE id = ?'),
      addHost: db.prepare('INSERT OR IGNORE INTO ticket_hosts (ticket_id, server_id) VALUES (?, ?)'),
      addWatcher: db.prepare('INSERT OR IGNORE INTO ticket_watchers (ticket_id, person) VALUES (?, ?)'),
      watchers: db.prepare('SELECT person FROM ticket_watchers WHERE ticket_id = ? ORDER BY person').pluck(),
      event: db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor, kind, old_value, new_value, body, repo, sha, url)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      lastEvents: db.prepare('SELECT * FROM (SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
      commits: db.prepare('SELECT repo, sha, action, author, subject, url, linked_at, closed_at FROM ticket_commits WHERE ticket_id = ? ORDER BY linked_at, sha'),
      link: db.prepare(`INSERT INTO ticket_commits (ticket_id, repo, sha, action, author, subject, url, linked_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET action = 'close' WHERE excluded.action = 'close' AND action = 'link'`),
      linkAction: db.prepare('SELECT action FROM ticket_commits WHERE ticket_id = ? AND repo = ? AND sha = ?').pluck(),
      markClosedBy: db.prepare('UPDATE ticket_commits SET closed_at = ? WHERE ticket_id = ? AND repo = ? AND sha = ? AND closed_at IS NULL'),
      linkedTo: db.prepare('SELECT ticket_id FROM ticket_commits WHERE repo = ? AND sha = ? ORDER BY ticket_id').pluck(),
    };
  }

  insert(t: { title: string; description: string; priority: Priority; reporter: string; assignee: string | null; channel: string | null }): number {
    const now = this.now();
    return Number(this.q.insert.run(t.title, t.description, t.priority, t.reporter, t.assignee, t.channel, now, now).lastInsertRowid);
  }

  get(id: number): Ticket | null {
    const r = this.q.get.get(id) as TicketRow | undefined;
    return r ? decode(r) : null;
  }

  exists(id: number): boolean {
    return this.q.exists.get(id) !== undefined;
  }

  setStatus(id: number, status: TicketStatus): void {
    const now = this.now();
    this.q.setStatus.run(status, now, status, now, id);
  }

  setAssignee(id: number, assignee: string | null): void {
    this.q.setAssignee.run(assignee, this.now(), id);
  }

  addHost(id: number, serverId: number): void {
    this.q.addHost.run(id, serverId);
  }

  /** False when they were watching already. */
  addWatcher(id: number, person: string): boolean {
    return this.q.addWatcher.run(id, person).changes === 1;
  }

  watchers(id: number): string[] {
    return this.q.watchers.all(id) as string[];
  }

  /**
   * Appends to the timeline. Work on the ticket counts as an update of it;
   * someone starting to watch, or a force-push note, does not (the digest's
   * "no update in 7 days" is about work).
   */
  addEvent(id: number, e: NewEvent): void {
    const now = this.now();
    this.q.event.run(id, now, e.actor, e.kind, e.old_value ?? null, e.new_value ?? null, e.body ?? null, e.repo ?? null, e.sha ?? null, e.url ?? null);
    if (e.kind !== 'watch' && e.kind !== 'force_push') this.q.touch.run(now, id);
  }

  /** The last `limit` timeline entries, oldest first. */
  timeline(id: number, limit: number): TicketEvent[] {
    return this.q.lastEvents.all(id, limit) as TicketEvent[];
  }

  commits(id: number): TicketCommit[] {
    return this.q.commits.all(id) as TicketCommit[];
  }

  /**
   * Records that a commit references a ticket. 'new' the first time, 'upgraded'
   * when a commit seen as a link is now seen closing (keywords are per
   * message, so only a changed configuration does that), else 'seen'.
   */
  link(id: number, c: Omit<TicketCommit, 'linked_at' | 'closed_at'>): 'new' | 'upgraded' | 'seen' {
    const before = this.q.linkAction.get(id, c.repo, c.sha) as string | undefined;
    const r = this.q.link.run(id, c.repo, c.sha, c.action, c.author, c.subject, c.url, this.now());
    if (before === undefined) return 'new';
    return r.changes === 1 ? 'upgraded' : 'seen';
  }

  /** Marks that this commit closed the ticket; false when it already had (a commit closes once). */
  markClosedBy(id: number, repo: string, sha: string): boolean {
    return this.q.markClosedBy.run(this.now(), id, repo, sha).changes === 1;
  }

  /** Tickets a commit is linked to. */
  linkedTo(repo: string, sha: string): number[] {
    return this.q.linkedTo.all(repo, sha) as number[];
  }

  list(filter: TicketFilter, limit: number, offset = 0): { total: number; tickets: Ticket[] } {
    const { where, params } = whereClause(filter);
    const total = this.prepared(`SELECT COUNT(*) FROM tickets t ${where}`).pluck().get(...params) as number;
    const rows = this.prepared(`${SELECT} ${where} ORDER BY ${BY_PRIORITY} LIMIT ? OFFSET ?`).all(...params, limit, offset) as TicketRow[];
    return { total, tickets: rows.map(decode) };
  }

  /**
   * A filter's statement, prepared once: `!server` lists a host's tickets on
   * every lookup, and preparing costs more than the query. Filters combine
   * into a few dozen shapes at most, so the cache stays small.
   */
  private prepared(sql: string): Statement {
    let stmt = this.listStatements.get(sql);
    if (!stmt) this.listStatements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function whereClause(f: TicketFilter): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const status = f.status ?? 'active';
  if (status === 'active') conds.push("t.status IN ('open', 'in_progress')");
  else if (status !== 'all') {
    conds.push('t.status = ?');
    params.push(status);
  }
  if (f.assignee !== undefined) {
    conds.push('t.assignee = ? COLLATE NOCASE');
    params.push(f.assignee);
  }
  if (f.serverId !== undefined) {
    conds.push('t.id IN (SELECT ticket_id FROM ticket_hosts WHERE server_id = ?)');
    params.push(f.serverId);
  }
  if (f.search !== undefined) {
    conds.push('t.id IN (SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH ?)');
    params.push(ftsQuery(f.search));
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/**
 * Words typed in chat as an FTS5 query: each word quoted (so `AND`, `*`,
 * `"` or `-` are text, never syntax) and matched as a prefix, all required.
 */
export function ftsQuery(words: string): string {
  // A word with no letter or digit (`...`, `-`) has no tokens: as a required term it would match nothing.
  const terms = words.split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}_.-]/gu, '')).filter((w) => /[\p{L}\p{N}]/u.test(w));
  return terms.map((w) => `"${w}"*`).join(' AND ');
}

function decode(r: TicketRow): Ticket {
  return { ...r, hosts: r.hosts ? r.hosts.split(' ') : [] };
}
