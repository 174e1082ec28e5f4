import type { Clock } from '../../clock.js';
import type { Engine, Sql } from '../../store/sql.js';
import type { Priority, Ticket, TicketCommit, TicketEvent, TicketEventKind, TicketFilter, TicketStatus } from './model.js';

type TicketRow = Omit<Ticket, 'hosts'> & { hosts: string | null };

// string_agg with ORDER BY: the same spelling on PostgreSQL and SQLite (3.44+).
const SELECT = `SELECT t.*, (SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM ticket_hosts h JOIN servers s ON s.id = h.server_id
  WHERE h.ticket_id = t.id) AS hosts FROM tickets t`;
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

const INSERT = `INSERT INTO tickets (title, description, priority, reporter, assignee, channel, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const GET = `${SELECT} WHERE t.id = ?`;
const EXISTS = 'SELECT 1 FROM tickets WHERE id = ?';
const TOUCH = 'UPDATE tickets SET updated_at = ? WHERE id = ?';
const SET_STATUS = `UPDATE tickets SET status = ?, updated_at = ?,
  closed_at = CASE WHEN ? IN ('resolved', 'closed') THEN coalesce(closed_at, ?) ELSE NULL END WHERE id = ?`;
const SET_ASSIGNEE = 'UPDATE tickets SET assignee = ?, updated_at = ? WHERE id = ?';
const ADD_HOST = 'INSERT INTO ticket_hosts (ticket_id, server_id) VALUES (?, ?) ON CONFLICT DO NOTHING';
const ADD_WATCHER = 'INSERT INTO ticket_watchers (ticket_id, person) VALUES (?, ?) ON CONFLICT DO NOTHING';
const WATCHERS = 'SELECT person FROM ticket_watchers WHERE ticket_id = ? ORDER BY person';
const EVENT = `INSERT INTO ticket_events (ticket_id, at, actor, kind, old_value, new_value, body, repo, sha, url)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const LAST_EVENTS = 'SELECT * FROM (SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT ?) AS e ORDER BY id';
const COMMITS = 'SELECT repo, sha, action, author, subject, url, linked_at, closed_at FROM ticket_commits WHERE ticket_id = ? ORDER BY linked_at, sha';
const LINK = `INSERT INTO ticket_commits (ticket_id, repo, sha, action, author, subject, url, linked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (ticket_id, repo, sha) DO UPDATE SET action = 'close' WHERE excluded.action = 'close' AND ticket_commits.action = 'link'`;
const LINK_ACTION = 'SELECT action FROM ticket_commits WHERE ticket_id = ? AND repo = ? AND sha = ?';
const MARK_CLOSED_BY = 'UPDATE ticket_commits SET closed_at = ? WHERE ticket_id = ? AND repo = ? AND sha = ? AND closed_at IS NULL';
const LINKED_TO = 'SELECT ticket_id FROM ticket_commits WHERE repo = ? AND sha = ? ORDER BY ticket_id';

/** The ticket tables. The service wraps in a transaction what must commit together. */
export class TicketStore {
  constructor(private readonly db: Sql, private readonly clock: Clock) {}

  async insert(t: { title: string; description: string; priority: Priority; reporter: string; assignee: string | null; channel: string | null }): Promise<number> {
    const now = this.now();
    return this.db.insert(INSERT, [t.title, t.description, t.priority, t.reporter, t.assignee, t.channel, now, now]);
  }

  async get(id: number): Promise<Ticket | null> {
    const r = await this.db.get<TicketRow>(GET, [id]);
    return r ? decode(r) : null;
  }

  async exists(id: number): Promise<boolean> {
    return (await this.db.value(EXISTS, [id])) !== undefined;
  }

  async setStatus(id: number, status: TicketStatus): Promise<void> {
    const now = this.now();
    await this.db.run(SET_STATUS, [status, now, status, now, id]);
  }

  async setAssignee(id: number, assignee: string | null): Promise<void> {
    await this.db.run(SET_ASSIGNEE, [assignee, this.now(), id]);
  }

  async addHost(id: number, serverId: number): Promise<void> {
    await this.db.run(ADD_HOST, [id, serverId]);
  }

  /** False when they were watching already. */
  async addWatcher(id: number, person: string): Promise<boolean> {
    return (await this.db.run(ADD_WATCHER, [id, person])).changes === 1;
  }

  watchers(id: number): Promise<string[]> {
    return this.db.column<string>(WATCHERS, [id]);
  }

  /**
   * Appends to the timeline. Work on the ticket counts as an update of it;
   * someone starting to watch, or a force-push note, does not (the digest's
   * "no update in 7 days" is about work).
   */
  async addEvent(id: number, e: NewEvent): Promise<void> {
    const now = this.now();
    await this.db.run(EVENT, [id, now, e.actor, e.kind, e.old_value ?? null, e.new_value ?? null, e.body ?? null, e.repo ?? null, e.sha ?? null, e.url ?? null]);
    if (e.kind !== 'watch' && e.kind !== 'force_push') await this.db.run(TOUCH, [now, id]);
  }

  /** The last `limit` timeline entries, oldest first. */
  timeline(id: number, limit: number): Promise<TicketEvent[]> {
    return this.db.all<TicketEvent>(LAST_EVENTS, [id, limit]);
  }

  commits(id: number): Promise<TicketCommit[]> {
    return this.db.all<TicketCommit>(COMMITS, [id]);
  }

  /**
   * Records that a commit references a ticket. 'new' the first time, 'upgraded'
   * when a commit seen as a link is now seen closing (keywords are per
   * message, so only a changed configuration does that), else 'seen'.
   * Call inside a transaction (the push's): the read and the write belong together.
   */
  async link(id: number, c: Omit<TicketCommit, 'linked_at' | 'closed_at'>): Promise<'new' | 'upgraded' | 'seen'> {
    const before = await this.db.value<string>(LINK_ACTION, [id, c.repo, c.sha]);
    const r = await this.db.run(LINK, [id, c.repo, c.sha, c.action, c.author, c.subject, c.url, this.now()]);
    if (before === undefined) return 'new';
    return r.changes === 1 ? 'upgraded' : 'seen';
  }

  /** Marks that this commit closed the ticket; false when it already had (a commit closes once). */
  async markClosedBy(id: number, repo: string, sha: string): Promise<boolean> {
    return (await this.db.run(MARK_CLOSED_BY, [this.now(), id, repo, sha])).changes === 1;
  }

  /** Tickets a commit is linked to. */
  linkedTo(repo: string, sha: string): Promise<number[]> {
    return this.db.column<number>(LINKED_TO, [repo, sha]);
  }

  /**
   * A filter combines into a few dozen SQL texts at most; the Sql prepares
   * each once (`!server` lists a host's tickets on every lookup).
   */
  async list(filter: TicketFilter, limit: number, offset = 0): Promise<{ total: number; tickets: Ticket[] }> {
    const { where, params } = whereClause(filter, this.db.engine);
    const total = Number((await this.db.value(`SELECT COUNT(*) FROM tickets t ${where}`, params)) ?? 0);
    const rows = await this.db.all<TicketRow>(`${SELECT} ${where} ORDER BY ${BY_PRIORITY} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    return { total, tickets: rows.map(decode) };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function whereClause(f: TicketFilter, engine: Engine): { where: string; params: unknown[] } {
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
    // Full-text search is the one query the engines spell differently, both
    // giving ticket ids. SQLite: the FTS5 table. PostgreSQL: the same
    // `ticket_search (ticket_id, text)` documents, kept by triggers, with a GIN
    // index on to_tsvector('simple', text). to_tsquery, not plainto_tsquery:
    // the words are prefixes there too (`thrott` finds throttling).
    if (engine === 'postgres') {
      conds.push("t.id IN (SELECT ticket_id FROM ticket_search WHERE to_tsvector('simple', text) @@ to_tsquery('simple', ?))");
      params.push(tsQuery(f.search));
    } else {
      conds.push('t.id IN (SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH ?)');
      params.push(ftsQuery(f.search));
    }
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/**
 * Words typed in chat as an FTS5 query: each word quoted (so `AND`, `*`,
 * `"` or `-` are text, never syntax) and matched as a prefix, all required.
 * Empty when no word has a letter or digit.
 */
export function ftsQuery(words: string): string {
  return searchTerms(words).map((w) => `"${w}"*`).join(' AND ');
}

/**
 * The same words as a PostgreSQL tsquery: each a quoted lexeme (no operator
 * survives searchTerms, and no quote) matched as a prefix, all required.
 */
function tsQuery(words: string): string {
  return searchTerms(words).map((w) => `'${w}':*`).join(' & ');
}

/** The words of a search, stripped to letters, digits, `_`, `.` and `-`. */
function searchTerms(words: string): string[] {
  // A word with no letter or digit (`...`, `-`) has no tokens: as a required term it would match nothing.
  return words.split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}_.-]/gu, '')).filter((w) => /[\p{L}\p{N}]/u.test(w));
}

function decode(r: TicketRow): Ticket {
  return { ...r, hosts: r.hosts ? r.hosts.split(' ') : [] };
}
