import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { closest } from '../../chat/suggest.js';
import { UserError } from '../../errors.js';
import type { Engine, Sql } from '../../store/sql.js';
import { parseDuration } from '../../time/duration.js';
import { parseTime } from '../../time/parse-time.js';
import { SEVERITIES, severityOf, type Severity } from '../alerts/model.js';
import type { Inventory } from '../servers/inventory.js';
import { lookupServers } from '../servers/lookup.js';
import type { Server } from '../servers/model.js';

/**
 * Searching the stored log lines, for `!logs` and the board's /logs: one
 * host's lines (or every host's, on the board), newest first, in a time
 * window, at a level or worse, with words matched by the engine's full-text
 * index (FTS5 on SQLite, a GIN tsvector index on PostgreSQL), never LIKE.
 */

export interface LogLine {
  id: number;
  source: string;
  host: string | null;
  level: string;
  message: string;
  /** The time the line carried, when it had one. */
  ts: string | null;
  received_at: string;
  malformed: boolean;
}

/** A host as its lines name it. */
export interface LogHost {
  /** The inventory name, else the name as the lines carry it. */
  name: string;
  /** Every spelling its lines may carry (matched ignoring case): the name, the FQDN, the addresses a syslog sender without a hostname is stored under. */
  spellings: string[];
  inInventory: boolean;
}

export interface LogFilter {
  host?: LogHost;
  since?: Date;
  /** This severity or worse. */
  level?: Severity;
  /** Words typed by a person: each must appear, as a prefix of a word of the message. */
  words?: string;
}

export interface LogPage {
  lines: LogLine[];
  /** Matching lines, counted up to COUNT_CAP. */
  total: number;
  /** More lines match than `total` says. */
  totalCapped: boolean;
  /**
   * With words, on SQLite: lines stored from this time on are still waiting
   * for the index, so words do not find them yet. Null when none wait.
   */
  unindexedSince: string | null;
}

/** Lines counted for a total: enough for "…and N more" and the board's pages, bounded for a host that logs all day. */
export const COUNT_CAP = 10_000;
/** A search of more words than this is refused rather than run. */
const MAX_WORDS = 16;
/** Recent lines whose hosts are suggestions for a mistyped name (senders outside the inventory). */
const RECENT_FOR_SUGGESTIONS = 10_000;

/**
 * The words each severity is written as in log lines (syslog's eight names,
 * what the API and tailed files carry). Which severity a word means is
 * severityOf's call; a line whose word it does not know counts as info, as
 * LogService posts it.
 */
const LEVEL_WORDS = [
  'critical', 'crit', 'fatal', 'emerg', 'emergency', 'alert', 'page', 'disaster', 'urgent', 'p1',
  'error', 'err', 'high', 'major', 'p2',
  'warning', 'warn', 'medium', 'minor', 'average', 'p3',
] as const;

/** Level words that mean `level` or worse; null when every line qualifies. */
function levelWords(level: Severity): string[] | null {
  const rank = SEVERITIES.indexOf(level);
  if (rank === SEVERITIES.length - 1) return null;
  return LEVEL_WORDS.filter((w) => {
    const s = severityOf(w);
    return s !== null && SEVERITIES.indexOf(s) <= rank;
  });
}

const COLUMNS = 'id, source, host, level, message, ts, received_at, malformed';

/** SQLite's indexer: queued lines moved into the index per transaction (about 15 ms of work). */
const INDEX_BATCH = 1_000;
/** Between batches while lines wait: the indexer takes at most about a seventh of the time, ingest the rest. */
const INDEX_PAUSE_MS = 100;
/**
 * How often an idle indexer looks for new lines, and how often a busy
 * process (a syslog flood) lets it index one batch: the flood keeps the
 * processor and the index catches up when it ebbs.
 */
const INDEX_IDLE_MS = 1_000;
/** The share of time the event loop was busy above which the indexer backs off. */
const BUSY = 0.5;
/** A search indexes up to this many waiting lines first, so what was just stored is found (a short wait, bounded under a flood). */
const SEARCH_CATCH_UP = 2 * INDEX_BATCH;

export class LogSearch {
  constructor(private readonly d: { db: Sql; inventory: Inventory; log?: Logger }) {}

  /**
   * The host a word names: an inventory host (by name, FQDN or an address
   * only it has), else a sender known only by its stored lines (a syslog
   * sender need not be in the inventory). Anything else is a user error
   * with the closest names among both.
   */
  async resolveHost(word: string): Promise<LogHost> {
    const q = word.trim();
    if (q === '') throw new UserError('which host? give its name, e.g. web01');
    if (q.length > 255) throw new UserError('that is too long for a host name');
    const { inventory, db } = this.d;
    const exact = await inventory.get(q);
    if (exact) return fromServer(exact);
    const r = await lookupServers(inventory, q, 3);
    if (r.kind === 'one') return fromServer(r.server);
    if (r.kind === 'many') {
      const more = r.total > r.servers.length ? ` and ${r.total - r.servers.length} more` : '';
      throw new UserError(`'${q}' is not one host: it matches ${r.servers.map((s) => s.name).join(', ')}${more}; name one`);
    }
    const stored = await db.value<string>('SELECT host FROM log_lines WHERE host = ? COLLATE NOCASE LIMIT 1', [q]);
    if (stored !== undefined) return { name: stored, spellings: [stored], inInventory: false };
    const senders = await db.column<string>(
      'SELECT DISTINCT host FROM (SELECT host FROM log_lines ORDER BY id DESC LIMIT ?) AS recent WHERE host IS NOT NULL',
      [RECENT_FOR_SUGGESTIONS],
    );
    // The inventory's spelling first: `WEB01` in the lines is not another suggestion beside web01.
    const suggestions = closest(q, uniqueNoCase([...r.suggestions, ...senders]));
    throw new UserError(`no host '${q}' in the inventory or the stored log lines${suggestions.length > 0 ? ` — did you mean ${suggestions.join(', ')}?` : ''}`);
  }

  /** One page of matching lines, newest first, and how many match. */
  async search(f: LogFilter, limit: number, offset = 0): Promise<LogPage> {
    const words = f.words === undefined ? undefined : searchWords(f.words);
    let unindexedSince: string | null = null;
    if (words && this.d.db.engine === 'sqlite') {
      await this.indexWaiting(SEARCH_CATCH_UP);
      unindexedSince = (await this.d.db.value<string>('SELECT l.received_at FROM log_search_pending p JOIN log_lines l ON l.id = p.id ORDER BY p.id LIMIT 1')) ?? null;
    }
    const { db } = this.d;
    const common = conditions({ ...f, ...(words && { words: words.join(' ') }) }, db.engine);
    const order = 'ORDER BY received_at DESC, id DESC';
    const hosts = f.host ? uniqueNoCase(f.host.spellings) : [];
    let rows: LogRow[];
    if (hosts.length <= 1) {
      const { where, params } = withHost(common, hosts[0]);
      rows = await db.all<LogRow>(`SELECT ${COLUMNS} FROM log_lines ${where} ${order} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    } else {
      // One leg per spelling, each a range of log_lines_host already in
      // order: an IN list would sort every line of the window first.
      const legs = hosts.map((h) => withHost(common, h));
      const sql = legs.map((l, i) => `SELECT * FROM (SELECT ${COLUMNS} FROM log_lines ${l.where} ${order} LIMIT ?) AS leg${i}`).join(' UNION ALL ');
      rows = await db.all<LogRow>(`${sql} ${order} LIMIT ? OFFSET ?`, [...legs.flatMap((l) => [...l.params, offset + limit]), limit, offset]);
    }
    const counted = withHosts(common, hosts);
    const n = Number(await db.value(`SELECT COUNT(*) FROM (SELECT 1 FROM log_lines ${counted.where} LIMIT ?) AS hits`, [...counted.params, COUNT_CAP + 1]));
    return { lines: rows.map(decode), total: Math.min(n, COUNT_CAP), totalCapped: n > COUNT_CAP, unindexedSince };
  }

  /** When the host's newest stored line came in, whatever the other filters; null when it has none. */
  async newest(host: LogHost): Promise<string | null> {
    const times = await Promise.all(
      uniqueNoCase(host.spellings).map((h) => this.d.db.value<string>('SELECT received_at FROM log_lines WHERE host = ? COLLATE NOCASE ORDER BY received_at DESC LIMIT 1', [h])),
    );
    return times.filter((t): t is string => t !== undefined).sort().at(-1) ?? null;
  }

  /**
   * SQLite: moves up to `max` queued lines into the word index, in one
   * transaction; returns how many. PostgreSQL's index is kept by the
   * engine: nothing waits there.
   */
  async indexWaiting(max = INDEX_BATCH): Promise<number> {
    const { db } = this.d;
    if (db.engine !== 'sqlite') return 0;
    return db.tx(async () => {
      const last = await db.value<number>('SELECT id FROM log_search_pending ORDER BY id LIMIT 1 OFFSET ?', [max - 1]);
      const upTo = last ?? (await db.value<number>('SELECT max(id) FROM log_search_pending'));
      if (upTo === undefined || upTo === null) return 0;
      await db.run('INSERT INTO log_search (rowid, message) SELECT l.id, l.message FROM log_search_pending p JOIN log_lines l ON l.id = p.id WHERE p.id <= ?', [upTo]);
      return (await db.run('DELETE FROM log_search_pending WHERE id <= ?', [upTo])).changes;
    });
  }

  /**
   * Keeps SQLite's word index following the stored lines, in small batches
   * with pauses between them, and one batch a second while the process is
   * busy, so a flood of syslog keeps the processor first and the index
   * catches up when it ebbs. Returns how to stop (waiting for a batch in
   * progress). Nothing to do on PostgreSQL.
   */
  startIndexing(): () => Promise<void> {
    if (this.d.db.engine !== 'sqlite') return async () => {};
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let since = performance.eventLoopUtilization();
    const tick = () => {
      running = (async () => {
        let next = INDEX_IDLE_MS;
        try {
          const now = performance.eventLoopUtilization();
          const busy = performance.eventLoopUtilization(now, since).utilization > BUSY;
          since = now;
          if ((await this.indexWaiting()) === INDEX_BATCH && !busy) next = INDEX_PAUSE_MS;
        } catch (err) {
          // A busy or unreachable store: the lines stay queued for the next try.
          this.d.log?.warn({ err }, 'log search: indexing stored lines failed; will retry');
        }
        if (!stopped) timer = setTimeout(tick, next).unref();
      })();
    };
    timer = setTimeout(tick, 0).unref();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }
}

interface LogRow extends Omit<LogLine, 'malformed'> {
  malformed: number | boolean;
}

function decode(r: LogRow): LogLine {
  return { ...r, id: Number(r.id), malformed: Boolean(r.malformed) };
}

function fromServer(s: Server): LogHost {
  return { name: s.name, spellings: uniqueNoCase([s.name, ...(s.fqdn ? [s.fqdn] : []), ...s.ips]), inInventory: true };
}

function uniqueNoCase(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const k = n.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface Conditions {
  conds: string[];
  params: unknown[];
}

/** Everything but the host. */
function conditions(f: LogFilter, engine: Engine): Conditions {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (f.since) {
    conds.push('received_at >= ?');
    params.push(f.since.toISOString());
  }
  const levels = f.level ? levelWords(f.level) : null;
  if (levels) {
    conds.push(`lower(level) IN (${levels.map(() => '?').join(', ')})`);
    params.push(...levels);
  }
  if (f.words !== undefined) {
    // The one query the engines spell differently. SQLite: the FTS5 table's
    // rowids are log_lines ids. PostgreSQL: the GIN index on
    // to_tsvector('simple', message), which the expression must repeat.
    if (engine === 'postgres') {
      conds.push("to_tsvector('simple', message) @@ to_tsquery('simple', ?)");
      params.push(tsQuery(f.words));
    } else {
      conds.push('id IN (SELECT rowid FROM log_search WHERE log_search MATCH ?)');
      params.push(ftsQuery(f.words));
    }
  }
  return { conds, params };
}

function where(conds: readonly string[]): string {
  return conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
}

function withHost(c: Conditions, host: string | undefined): { where: string; params: unknown[] } {
  if (host === undefined) return { where: where(c.conds), params: c.params };
  return { where: where(['host = ? COLLATE NOCASE', ...c.conds]), params: [host, ...c.params] };
}

function withHosts(c: Conditions, hosts: readonly string[]): { where: string; params: unknown[] } {
  if (hosts.length <= 1) return withHost(c, hosts[0]);
  return { where: where([`host COLLATE NOCASE IN (${hosts.map(() => '?').join(', ')})`, ...c.conds]), params: [...hosts, ...c.params] };
}

/**
 * The words of a search: split on spaces, and only those with a letter or a
 * digit (one without has no token, and as a required term would match
 * nothing). A user error when none is left or there are too many.
 */
export function searchWords(text: string): string[] {
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) throw new UserError('search for words with letters or digits, e.g. timed out');
  if (words.length > MAX_WORDS) throw new UserError(`at most ${MAX_WORDS} words in a search: keep the telling ones`);
  return words;
}

/**
 * Words as an FTS5 query: each one a quoted string (its `"` doubled), so
 * `AND`, `*`, `(`, `:` or `-` are text, never syntax; matched as a prefix
 * and all required. A word with punctuation inside (`status=500`,
 * `10.2.0.5`) is a phrase of its tokens, in that order.
 */
export function ftsQuery(text: string): string {
  return searchWords(text).map((w) => `"${w.replace(/"/g, '""')}"*`).join(' AND ');
}

/**
 * The same words as a PostgreSQL tsquery: each a quoted lexeme (`'` and `\`,
 * its only special characters inside quotes, become spaces) matched as a
 * prefix, all required. PostgreSQL's parser reads punctuation inside the
 * quotes as its own to_tsvector does: `status=500` is `'status' <-> '500'`.
 */
export function tsQuery(text: string): string {
  return searchWords(text).map((w) => `'${w.replace(/['\\]/g, ' ')}':*`).join(' & ');
}

/** The severity a `level=` word asks for (that level or worse), or a user error naming the choices. */
export function parseLevel(word: string): Severity {
  const s = severityOf(word);
  if (s) return s;
  const hint = closest(word.trim().toLowerCase(), [...SEVERITIES, ...LEVEL_WORDS, 'debug', 'notice'], 1)[0];
  throw new UserError(`unknown level '${word}'${hint ? ` — did you mean ${hint}?` : ''} (use critical, error, warning or info: that level or worse)`);
}

const SINCE_EXAMPLES = 'use e.g. since=30m, since=2h, since=1d or since=2026-11-25T10:00';
/** How far a "since" time may be ahead of now and still mean now. */
const SINCE_GRACE_MS = 60_000;

/**
 * Where a `since=` window starts: a duration back from now (`1h`, `1h30m`,
 * `2d`) or a time (`2026-11-25 10:00`, `today 09:00`, in the configured
 * zone unless it names one). A user error for anything else, or a time
 * still to come.
 */
export function parseSince(word: string, now: Date, timeZone: string): Date {
  const w = word.trim();
  const ms = parseDuration(w);
  if (ms !== null) {
    if (ms <= 0) throw new UserError(`since=${w} is no time at all: ${SINCE_EXAMPLES}`);
    return new Date(now.getTime() - ms);
  }
  // A time of day or a date: parseTime says precisely what is wrong with
  // one. Any other word gets the examples that fit here, not "in 30m".
  if (!/\d:\d|\d{4}-\d/.test(w)) throw new UserError(`'${w}' is not a duration or a time for since: ${SINCE_EXAMPLES}`);
  const at = parseTime(w, now, timeZone, { allowPast: true }).at;
  if (at.getTime() > now.getTime() + SINCE_GRACE_MS) throw new UserError(`since=${w} is still to come: give a time before now, or a duration such as since=2h`);
  return at;
}

/** A duration that reaches back to `iso` from `now`, in whole hours or days: what to suggest when a window was too short. */
export function sinceToReach(iso: string, now: Date): string {
  const hours = Math.max(1, Math.ceil((now.getTime() - Date.parse(iso)) / 3_600_000));
  return hours <= 48 ? `${hours}h` : `${Math.ceil(hours / 24)}d`;
}
