import type { Clock } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import { parseCidr, parseIp } from './ip.js';
import type { Server, ServerFields, ServerFilter, ServerInput, ServerStatus, StatusChange } from './model.js';

/** A servers row as stored: list columns are space-separated text. */
type ServerRow = Omit<Server, 'ips' | 'roles' | 'tags'> & { ips: string; roles: string; tags: string };

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface StatusCount {
  status: ServerStatus;
  count: number;
}

/** Told after a committed status change; awaited, one listener after the other. */
export type StatusListener = (serverId: number, change: StatusChange) => void | Promise<void>;

const EMPTY: ServerFields = {
  fqdn: null, ips: [], roles: [], service: null, dc: null, rack: null, status: 'working',
  cpu: null, memory_gb: null, model: null, os: null, tags: [], notes: null,
};
const FIELDS = ['fqdn', 'ips', 'roles', 'service', 'dc', 'rack', 'status', 'cpu', 'memory_gb', 'model', 'os', 'tags', 'notes'] as const;

// The SQL texts are constants: the store prepares each once and reuses it.
const BY_NAME = 'SELECT * FROM servers WHERE name = ? COLLATE NOCASE';
const BY_FQDN = 'SELECT * FROM servers WHERE fqdn = ? COLLATE NOCASE LIMIT 1';
// On PostgreSQL, "by name, else by FQDN" (each alert asks it) is one round trip:
// both indexes, the name's match first. SQLite's reads cost no round trip, and
// a name hit (the usual case) is cheaper read alone.
const BY_NAME_OR_FQDN = `SELECT * FROM (
    SELECT *, 0 AS by_fqdn FROM servers WHERE name = ? COLLATE NOCASE
    UNION ALL SELECT *, 1 FROM servers WHERE fqdn = ? COLLATE NOCASE
  ) AS m ORDER BY by_fqdn LIMIT 1`;
const BY_ID = 'SELECT * FROM servers WHERE id = ?';
const BY_IP_RANGE = `SELECT * FROM servers WHERE id IN (SELECT server_id FROM server_ips WHERE ip_key BETWEEN ? AND ?)
  ORDER BY name COLLATE NOCASE LIMIT ?`;
const COUNT_BY_IP_RANGE = 'SELECT COUNT(DISTINCT server_id) FROM server_ips WHERE ip_key BETWEEN ? AND ?';
// Positional parameters, in FIELDS order: binding is measurably faster than
// named ones on a 100,000-row import.
const INSERT = `INSERT INTO servers (fqdn, ips, roles, service, dc, rack, status, cpu, memory_gb, model, os, tags, notes, name, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const UPDATE = `UPDATE servers SET fqdn = ?, ips = ?, roles = ?, service = ?, dc = ?, rack = ?, status = ?, cpu = ?,
  memory_gb = ?, model = ?, os = ?, tags = ?, notes = ?, updated_at = ? WHERE id = ?`;
const SET_STATUS = 'UPDATE servers SET status = ?, updated_at = ? WHERE id = ?';
const ADD_IP = 'INSERT INTO server_ips (ip_key, server_id) VALUES (?, ?) ON CONFLICT DO NOTHING';
const DEL_IP = 'DELETE FROM server_ips WHERE ip_key = ? AND server_id = ?';
// A host's roles and tags, one row each with its status, so a filter on one
// is an index range that is counted without reading the hosts (0011).
const ADD_WORD = 'INSERT INTO server_words (kind, word, name, server_id, status) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
const DEL_WORD = 'DELETE FROM server_words WHERE kind = ? AND word = ? AND name = ?';
const SET_WORD_STATUS = 'UPDATE server_words SET status = ? WHERE kind = ? AND word = ? AND name = ?';
// The words of every host an import created (ids from the first one on), split
// from their lists in one statement: a statement per word costs a
// 100,000-host import two seconds. Splitting is where the engines differ.
const ADD_WORDS_OF_NEW = {
  sqlite: `WITH RECURSIVE split (kind, server_id, name, status, word, rest) AS (
      SELECT 'role', id, name, status, '', roles || ' ' FROM servers WHERE id >= ? AND roles <> ''
      UNION ALL SELECT 'tag', id, name, status, '', tags || ' ' FROM servers WHERE id >= ? AND tags <> ''
      UNION ALL SELECT kind, server_id, name, status, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
      FROM split WHERE rest <> '')
    INSERT INTO server_words (kind, word, name, server_id, status)
    SELECT kind, word, name, server_id, status FROM split WHERE word <> '' ON CONFLICT DO NOTHING`,
  postgres: `INSERT INTO server_words (kind, word, name, server_id, status)
    SELECT 'role', w, name, id, status FROM servers, unnest(string_to_array(roles, ' ')) AS w WHERE id >= ? AND w <> ''
    UNION ALL SELECT 'tag', w, name, id, status FROM servers, unnest(string_to_array(tags, ' ')) AS w WHERE id >= ? AND w <> ''
    ON CONFLICT DO NOTHING`,
} as const;
const ADD_HISTORY = `INSERT INTO server_status_history (server_id, at, actor, from_status, to_status, reason, maintenance_id)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
const HISTORY = `SELECT at, actor, from_status, to_status, reason, maintenance_id FROM server_status_history
  WHERE server_id = ? ORDER BY id DESC LIMIT ?`;
const NAMES_STARTING = 'SELECT name FROM servers WHERE name >= ? COLLATE NOCASE AND name < ? COLLATE NOCASE';
const ALL_NAMES = 'SELECT name FROM servers';
/** One page of the export, after the last name of the page before (names are unique ignoring case). */
const ALL_AFTER = 'SELECT * FROM servers WHERE name > ? COLLATE NOCASE ORDER BY name COLLATE NOCASE LIMIT ?';
const ALL_ROWS = 'SELECT * FROM servers';

const SECONDARY_INDEXES = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'servers' AND sql IS NOT NULL AND name <> 'servers_name'";
/** From this many new hosts on, an import rebuilds servers' indexes rather than growing them. */
const BULK_CREATES = 5000;

/** server_words' kinds, and the list of a host each one indexes. */
const LISTS = [['role', 'roles'], ['tag', 'tags']] as const;

/** Hosts read per page when streaming the whole inventory. */
const EXPORT_PAGE = 1000;

/**
 * The server inventory: every read and write of hosts goes through here, for
 * chat commands, the HTTP API, the importer and maintenance windows.
 */
export class Inventory {
  private readonly statusListeners: StatusListener[] = [];

  constructor(private readonly db: Sql, private readonly clock: Clock) {}

  async getById(id: number): Promise<Server | null> {
    const row = await this.db.get<ServerRow>(BY_ID, [id]);
    return row ? fromRow(row) : null;
  }

  /** By exact name (case-insensitive), else by exact FQDN. */
  async get(nameOrFqdn: string): Promise<Server | null> {
    if (this.db.engine !== 'postgres') {
      const row = (await this.db.get<ServerRow>(BY_NAME, [nameOrFqdn])) ?? (await this.db.get<ServerRow>(BY_FQDN, [nameOrFqdn]));
      return row ? fromRow(row) : null;
    }
    const found = await this.db.get<ServerRow & { by_fqdn: number }>(BY_NAME_OR_FQDN, [nameOrFqdn, nameOrFqdn]);
    if (!found) return null;
    const { by_fqdn: _, ...row } = found;
    return fromRow(row);
  }

  /** Hosts holding an address, or an address inside a CIDR range; null when the query is neither. */
  async findByAddress(query: string, limit: number): Promise<{ total: number; servers: Server[] } | null> {
    const ip = parseIp(query);
    const range = ip ? { lo: ip.key, hi: ip.key } : parseCidr(query);
    if (!range) return null;
    const total = Number(await this.db.value(COUNT_BY_IP_RANGE, [range.lo, range.hi]));
    const rows = await this.db.all<ServerRow>(BY_IP_RANGE, [range.lo, range.hi, limit]);
    return { total, servers: rows.map(fromRow) };
  }

  /** Filters (values may be globs), sorted by name, with the total before the limit. */
  async list(filter: ServerFilter, limit: number, offset = 0): Promise<{ total: number; servers: Server[] }> {
    const { total, params } = filterSql(filter);
    return { total: Number(await this.db.value(total, params)), servers: await this.page(filter, limit, offset) };
  }

  /** One page of matching hosts, sorted by name, without counting them all (a filter may scan). */
  async page(filter: ServerFilter, limit: number, offset = 0): Promise<Server[]> {
    const { from, where, params, order } = filterSql(filter);
    const rows = await this.db.all<ServerRow>(
      `SELECT s.* FROM ${from} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
      { ...params, limit, offset },
    );
    return rows.map(fromRow);
  }

  async countByStatus(filter: ServerFilter): Promise<StatusCount[]> {
    const { counts, params } = filterSql(filter);
    const rows = await this.db.all<StatusCount>(`${counts} ORDER BY count DESC, status`, params);
    // COUNT is a bigint on PostgreSQL, which its driver may hand over as text.
    return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  }

  /** Names sharing the first character: where a typo's intended name usually is. */
  async namesLike(name: string): Promise<string[]> {
    const first = name.slice(0, 1);
    if (first === '') return [];
    return this.db.column<string>(NAMES_STARTING, [first, first + '\uffff']);
  }

  allNames(): Promise<string[]> {
    return this.db.column<string>(ALL_NAMES);
  }

  /**
   * Changes a host's status and records who, when, from, to and why. Returns
   * the change, or null if it already had that status. The listeners are
   * awaited after the change committed (inside the caller's transaction, when
   * there is one).
   */
  async setStatus(id: number, to: ServerStatus, actor: string, reason: string | null, maintenanceId: number | null = null): Promise<StatusChange | null> {
    const change = await this.db.tx(async (): Promise<StatusChange | null> => {
      const row = await this.db.get<ServerRow>(BY_ID, [id]);
      if (!row) throw new Error(`server id ${id} vanished`);
      if (row.status === to) return null;
      const at = this.clock.now().toISOString();
      await this.db.run(SET_STATUS, [to, at, id]);
      const host = fromRow(row);
      for (const [kind, list] of LISTS) await this.setWordStatus(kind, host[list], row.name, to);
      await this.db.run(ADD_HISTORY, [id, at, actor, row.status, to, reason, maintenanceId]);
      return { at, actor, from_status: row.status, to_status: to, reason, maintenance_id: maintenanceId };
    });
    if (change) await this.tell(id, change);
    return change;
  }

  /** Told after each committed status change, by setStatus or an import (alerts watch hosts leaving maintenance). */
  onStatusChange(listener: StatusListener): void {
    this.statusListeners.push(listener);
  }

  /** Each listener in the order they were added, each awaited before the next: they write. */
  private async tell(serverId: number, change: StatusChange): Promise<void> {
    for (const l of this.statusListeners) await l(serverId, change);
  }

  history(id: number, limit: number): Promise<StatusChange[]> {
    return this.db.all<StatusChange>(HISTORY, [id, limit]);
  }

  /**
   * Every host, sorted by name, read a page at a time for export, so 100,000
   * hosts are never all in memory. Pages are separate reads: a host imported
   * meanwhile may or may not be in it, each host is there once.
   */
  async *all(): AsyncGenerator<Server> {
    let after = '';
    for (;;) {
      const rows = await this.db.all<ServerRow>(ALL_AFTER, [after, EXPORT_PAGE]);
      for (const row of rows) yield fromRow(row);
      if (rows.length < EXPORT_PAGE) return;
      after = rows[rows.length - 1]!.name;
    }
  }

  /**
   * Upserts by name in one transaction: all rows or none. Fields a row does
   * not carry keep their value; a status change is recorded in the history.
   * With `dryRun` the transaction is rolled back, so the counts are exact.
   */
  async import(
    inputs: readonly ServerInput[],
    opts: { actor: string; reason: string; dryRun?: boolean; onProgress?: (done: number) => void },
  ): Promise<ImportCounts> {
    const counts: ImportCounts = { created: 0, updated: 0, unchanged: 0 };
    const now = this.clock.now().toISOString();
    const rollback = new Error('dry run');
    const changes: Array<[number, StatusChange]> = [];
    let firstCreated: number | undefined;

    try {
      await this.db.tx(async () => {
        // One pass over the table beats 100,000 single-row lookups.
        const existing = new Map<string, ServerRow>();
        for (const row of await this.db.all<ServerRow>(ALL_ROWS)) existing.set(row.name.toLowerCase(), row);
        const rebuild = await this.dropIndexesForBulk(inputs.filter((i) => !existing.has(i.name.toLowerCase())).length);
        for (let i = 0; i < inputs.length; i++) {
          const input = inputs[i]!;
          const oldRow = existing.get(input.name.toLowerCase());
          const old = oldRow ? fromRow(oldRow) : undefined;
          const next: ServerFields = { ...(old ?? EMPTY) };
          for (const k of FIELDS) if (Object.hasOwn(input, k)) (next as unknown as Record<string, unknown>)[k] = input[k] ?? null;
          if ((next.status as ServerStatus | null) === null) next.status = old?.status ?? 'working';
          if (!old) {
            // A new host has no history yet: its status's first change will be recorded.
            const id = await this.db.insert(INSERT, [...toRow(next), input.name, now, now]);
            for (const ip of next.ips) await this.db.run(ADD_IP, [parseIp(ip)!.key, id]);
            firstCreated ??= id;
            counts.created++;
          } else if (FIELDS.every((k) => same(next[k], old[k]))) {
            counts.unchanged++;
          } else {
            await this.db.run(UPDATE, [...toRow(next), now, old.id]);
            if (!same(next.ips, old.ips)) {
              for (const ip of old.ips) await this.db.run(DEL_IP, [parseIp(ip)!.key, old.id]);
              for (const ip of next.ips) await this.db.run(ADD_IP, [parseIp(ip)!.key, old.id]);
            }
            await this.writeWords(old.id, old.name, old, next);
            if (next.status !== old.status) {
              await this.db.run(ADD_HISTORY, [old.id, now, opts.actor, old.status, next.status, opts.reason, null]);
              changes.push([old.id, { at: now, actor: opts.actor, from_status: old.status, to_status: next.status, reason: opts.reason, maintenance_id: null }]);
            }
            counts.updated++;
          }
          if (opts.onProgress && i % 1000 === 999) opts.onProgress(i + 1);
        }
        if (firstCreated !== undefined) await this.db.run(ADD_WORDS_OF_NEW[this.db.engine], [firstCreated, firstCreated]);
        for (const index of rebuild) await this.db.exec(index);
        if (opts.dryRun) throw rollback;
      });
    } catch (err) {
      if (err !== rollback) throw err;
      changes.length = 0;
    }
    for (const [id, change] of changes) await this.tell(id, change);
    opts.onProgress?.(inputs.length);
    return counts;
  }

  /**
   * Drops servers' secondary indexes before an import that creates many
   * hosts, and returns what recreates them: SQLite builds an index from
   * sorted rows in a fraction of what it costs row by row. The unique name
   * index stays, to refuse a duplicate at once. Inside the import's
   * transaction, so a failed or dry run puts them back. Not on PostgreSQL,
   * where DROP INDEX would lock the table against every other node's reads.
   */
  private async dropIndexesForBulk(creating: number): Promise<string[]> {
    if (this.db.engine !== 'sqlite' || creating < BULK_CREATES) return [];
    const indexes = await this.db.all<{ name: string; sql: string }>(SECONDARY_INDEXES);
    for (const i of indexes) await this.db.exec(`DROP INDEX ${i.name}`);
    return indexes.map((i) => i.sql);
  }

  /** Brings server_words in step with an updated host's roles, tags and status. */
  private async writeWords(id: number, name: string, old: ServerFields, next: ServerFields): Promise<void> {
    for (const [kind, list] of LISTS) {
      if (same(old[list], next[list])) {
        if (old.status !== next.status) await this.setWordStatus(kind, next[list], name, next.status);
        continue;
      }
      for (const w of old[list]) await this.db.run(DEL_WORD, [kind, w, name]);
      for (const w of next[list]) await this.db.run(ADD_WORD, [kind, w, name, id, next.status]);
    }
  }

  private async setWordStatus(kind: 'role' | 'tag', words: string[], name: string, status: ServerStatus): Promise<void> {
    for (const w of words) await this.db.run(SET_WORD_STATUS, [status, kind, w, name]);
  }
}

function fromRow(row: ServerRow): Server {
  return { ...row, ips: words(row.ips), roles: words(row.roles), tags: words(row.tags) };
}

/** Column values in FIELDS order, lists joined by spaces. */
function toRow(f: ServerFields): unknown[] {
  return FIELDS.map((k) => (Array.isArray(f[k]) ? (f[k] as string[]).join(' ') : f[k]));
}

function words(s: string): string[] {
  return s === '' ? [] : s.split(' ');
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

const GLOB_CHARS = /[*?[]/;

interface FilterSql {
  /** The hosts a page is read from: `servers s`, joined to the rows of a role or tag the filter names exactly. */
  from: string;
  where: string;
  params: Record<string, string>;
  /** Name order, read from the index the filter ranges over, so a page needs no sort. */
  order: string;
  /**
   * How many hosts match, and how many of each status: read from
   * server_word_counts when every condition is on a role or tag's rows,
   * else counted over the matching hosts (the total from the narrowest index).
   */
  total: string;
  counts: string;
}

const JOINED = 'server_words w JOIN servers s ON s.id = w.server_id';

/**
 * Builds the query for a filter. A value with `*`, `?` or `[` is a glob;
 * otherwise it must match exactly (case-insensitively), and is an index
 * range: server_words for an exact role or tag, servers' own indexes for
 * status, service and dc (0011). Globs over lists test each host's words.
 */
function filterSql(f: ServerFilter): FilterSql {
  const onServer: string[] = [];
  const onWords: string[] = [];
  const params: Record<string, string> = {};
  const column = (col: string, key: 'name' | 'status' | 'dc' | 'service', value: string) => {
    params[key] = GLOB_CHARS.test(value) ? value.toLowerCase() : value;
    // glob(pattern, value): the function form of GLOB, which PostgreSQL has too.
    onServer.push(GLOB_CHARS.test(value) ? `glob(@${key}, lower(${col}))` : `${col} = @${key} COLLATE NOCASE`);
  };
  const list = (col: string, key: 'role' | 'tag', value: string) => {
    if (!GLOB_CHARS.test(value) && onWords.length === 0) {
      // The first exact role or tag drives the query: its rows, in name order.
      params[key] = value;
      onWords.push(`w.kind = '${key}' AND w.word = @${key}`);
      return;
    }
    params[key] = GLOB_CHARS.test(value) ? value : ` ${value.toLowerCase()} `;
    onServer.push(GLOB_CHARS.test(value) ? `token_glob(${col}, @${key})` : `instr(' ' || lower(${col}) || ' ', @${key}) > 0`);
  };
  if (f.role !== undefined) list('s.roles', 'role', f.role);
  if (f.tag !== undefined) list('s.tags', 'tag', f.tag);
  const words = onWords.length > 0;
  if (f.status !== undefined) {
    if (GLOB_CHARS.test(f.status)) column('s.status', 'status', f.status);
    else {
      // Statuses are stored in lower case: a plain comparison, which the index serves.
      params.status = f.status.toLowerCase();
      (words ? onWords : onServer).push(`${words ? 'w' : 's'}.status = @status`);
    }
  }
  if (f.name !== undefined) {
    column('s.name', 'name', f.name);
    // A literal prefix lets SQLite use the name index instead of scanning.
    const prefix = /^[^*?[]*/.exec(f.name)![0];
    if (prefix && GLOB_CHARS.test(f.name)) {
      params.name_lo = prefix;
      params.name_hi = prefix + '\uffff';
      onServer.push('s.name >= @name_lo COLLATE NOCASE AND s.name < @name_hi COLLATE NOCASE');
    }
  }
  if (f.dc !== undefined) column('s.dc', 'dc', f.dc);
  if (f.service !== undefined) column('s.service', 'service', f.service);
  const parts = [...onWords, ...onServer];
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  const counted = (from: string, status: string) => `SELECT ${status} AS status, COUNT(*) AS count FROM ${from} ${where} GROUP BY ${status}`;
  return {
    from: words ? JOINED : 'servers s',
    where,
    params,
    order: words ? 'w.name COLLATE NOCASE' : 's.name COLLATE NOCASE',
    counts: !words ? counted('servers s', 's.status')
      : onServer.length > 0 ? counted(JOINED, 'w.status')
      : `SELECT w.status AS status, w.hosts AS count FROM server_word_counts w ${where} AND w.hosts > 0`,
    total: words && onServer.length === 0
      ? `SELECT coalesce(sum(w.hosts), 0) FROM server_word_counts w ${where}`
      : `SELECT COUNT(*) FROM ${words ? JOINED : 'servers s'} ${where}`,
  };
}
