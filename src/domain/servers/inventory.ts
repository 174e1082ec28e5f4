import type { Clock } from '../../clock.js';
import type { DB } from '../../store/database.js';
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

const EMPTY: ServerFields = {
  fqdn: null, ips: [], roles: [], service: null, dc: null, rack: null, status: 'working',
  cpu: null, memory_gb: null, model: null, os: null, tags: [], notes: null,
};
const FIELDS = ['fqdn', 'ips', 'roles', 'service', 'dc', 'rack', 'status', 'cpu', 'memory_gb', 'model', 'os', 'tags', 'notes'] as const;

/**
 * The server inventory: every read and write of hosts goes through here, for
 * chat commands, the HTTP API, the importer and (later) maintenance windows.
 */
export class Inventory {
  private readonly q;
  private readonly statusListeners: Array<(serverId: number, change: StatusChange) => void> = [];

  constructor(private readonly db: DB, private readonly clock: Clock) {
    // `token_glob(list, pattern)`: does any word of a space-separated list
    // match the glob? SQL's GLOB alone would let `*` run across words.
    const compiled = new Map<string, RegExp>();
    db.function('token_glob', { deterministic: true }, (list: unknown, pattern: unknown) => {
      if (typeof list !== 'string' || typeof pattern !== 'string') return 0;
      let re = compiled.get(pattern);
      if (!re) {
        if (compiled.size > 100) compiled.clear();
        re = globRegExp(pattern);
        compiled.set(pattern, re);
      }
      return list.split(' ').some((w) => re.test(w)) ? 1 : 0;
    });
    this.q = {
      byName: db.prepare('SELECT * FROM servers WHERE name = ? COLLATE NOCASE'),
      byFqdn: db.prepare('SELECT * FROM servers WHERE fqdn = ? COLLATE NOCASE LIMIT 1'),
      byId: db.prepare('SELECT * FROM servers WHERE id = ?'),
      byIpRange: db.prepare(`SELECT * FROM servers WHERE id IN (SELECT server_id FROM server_ips WHERE ip_key BETWEEN ? AND ?)
        ORDER BY name COLLATE NOCASE LIMIT ?`),
      countByIpRange: db.prepare('SELECT COUNT(DISTINCT server_id) FROM server_ips WHERE ip_key BETWEEN ? AND ?').pluck(),
      // Positional parameters, in FIELDS order: binding is measurably faster
      // than named ones on a 100,000-row import.
      insert: db.prepare(`INSERT INTO servers (fqdn, ips, roles, service, dc, rack, status, cpu, memory_gb, model, os, tags, notes, name, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      update: db.prepare(`UPDATE servers SET fqdn = ?, ips = ?, roles = ?, service = ?, dc = ?, rack = ?, status = ?, cpu = ?,
        memory_gb = ?, model = ?, os = ?, tags = ?, notes = ?, updated_at = ? WHERE id = ?`),
      setStatus: db.prepare('UPDATE servers SET status = ?, updated_at = ? WHERE id = ?'),
      addIp: db.prepare('INSERT OR IGNORE INTO server_ips (ip_key, server_id) VALUES (?, ?)'),
      delIp: db.prepare('DELETE FROM server_ips WHERE ip_key = ? AND server_id = ?'),
      addHistory: db.prepare(`INSERT INTO server_status_history (server_id, at, actor, from_status, to_status, reason, maintenance_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      history: db.prepare(`SELECT at, actor, from_status, to_status, reason, maintenance_id FROM server_status_history
        WHERE server_id = ? ORDER BY id DESC LIMIT ?`),
      namesStarting: db.prepare('SELECT name FROM servers WHERE name >= ? COLLATE NOCASE AND name < ? COLLATE NOCASE').pluck(),
      allNames: db.prepare('SELECT name FROM servers').pluck(),
      all: db.prepare('SELECT * FROM servers ORDER BY name COLLATE NOCASE'),
      allRows: db.prepare('SELECT * FROM servers'),
    };
  }

  /** By exact name (case-insensitive), else by exact FQDN. */
  getById(id: number): Server | null {
    const row = this.q.byId.get(id) as ServerRow | undefined;
    return row ? fromRow(row) : null;
  }

  get(nameOrFqdn: string): Server | null {
    const row = (this.q.byName.get(nameOrFqdn) ?? this.q.byFqdn.get(nameOrFqdn)) as ServerRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Hosts holding an address, or an address inside a CIDR range; null when the query is neither. */
  findByAddress(query: string, limit: number): { total: number; servers: Server[] } | null {
    const ip = parseIp(query);
    const range = ip ? { lo: ip.key, hi: ip.key } : parseCidr(query);
    if (!range) return null;
    const total = this.q.countByIpRange.get(range.lo, range.hi) as number;
    const rows = this.q.byIpRange.all(range.lo, range.hi, limit) as ServerRow[];
    return { total, servers: rows.map(fromRow) };
  }

  /** Filters (values may be globs), sorted by name, with the total before the limit. */
  list(filter: ServerFilter, limit: number, offset = 0): { total: number; servers: Server[] } {
    const { where, params } = filterSql(filter);
    const total = this.db.prepare(`SELECT COUNT(*) FROM servers s ${where}`).pluck().get(params) as number;
    return { total, servers: this.page(filter, limit, offset) };
  }

  /** One page of matching hosts, sorted by name, without counting them all (a filter may scan). */
  page(filter: ServerFilter, limit: number, offset = 0): Server[] {
    const { where, params } = filterSql(filter);
    const rows = this.db
      .prepare(`SELECT * FROM servers s ${where} ORDER BY s.name COLLATE NOCASE LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit, offset }) as ServerRow[];
    return rows.map(fromRow);
  }

  countByStatus(filter: ServerFilter): StatusCount[] {
    const { where, params } = filterSql(filter);
    return this.db
      .prepare(`SELECT status, COUNT(*) AS count FROM servers s ${where} GROUP BY status ORDER BY count DESC, status`)
      .all(params) as StatusCount[];
  }

  /** Names sharing the first character: where a typo's intended name usually is. */
  namesLike(name: string): string[] {
    const first = name.slice(0, 1);
    if (first === '') return [];
    return this.q.namesStarting.all(first, first + '\uffff') as string[];
  }

  allNames(): string[] {
    return this.q.allNames.all() as string[];
  }

  /** Changes a host's status and records who, when, from, to and why. Returns the change, or null if it already had that status. */
  setStatus(id: number, to: ServerStatus, actor: string, reason: string | null, maintenanceId: number | null = null): StatusChange | null {
    const change = this.db.transaction(() => {
      const row = this.q.byId.get(id) as ServerRow | undefined;
      if (!row) throw new Error(`server id ${id} vanished`);
      if (row.status === to) return null;
      const at = this.clock.now().toISOString();
      this.q.setStatus.run(to, at, id);
      this.q.addHistory.run(id, at, actor, row.status, to, reason, maintenanceId);
      return { at, actor, from_status: row.status, to_status: to, reason, maintenance_id: maintenanceId };
    }).immediate();
    if (change) for (const l of this.statusListeners) l(id, change);
    return change;
  }

  /** Told after each committed status change, by setStatus or an import (alerts watch hosts leaving maintenance). */
  onStatusChange(listener: (serverId: number, change: StatusChange) => void): void {
    this.statusListeners.push(listener);
  }

  history(id: number, limit: number): StatusChange[] {
    return this.q.history.all(id, limit) as StatusChange[];
  }

  /** Every host, sorted by name, streamed for export. */
  *all(): Generator<Server> {
    for (const row of this.q.all.iterate() as Iterable<ServerRow>) yield fromRow(row);
  }

  /**
   * Upserts by name in one transaction: all rows or none. Fields a row does
   * not carry keep their value; a status change is recorded in the history.
   * With `dryRun` the transaction is rolled back, so the counts are exact.
   */
  import(inputs: readonly ServerInput[], opts: { actor: string; reason: string; dryRun?: boolean; onProgress?: (done: number) => void }): ImportCounts {
    const counts: ImportCounts = { created: 0, updated: 0, unchanged: 0 };
    const now = this.clock.now().toISOString();
    const rollback = new Error('dry run');
    const changes: Array<[number, StatusChange]> = [];

    const run = this.db.transaction(() => {
      // One pass over the table beats 100,000 single-row lookups.
      const existing = new Map<string, ServerRow>();
      for (const row of this.q.allRows.iterate() as Iterable<ServerRow>) existing.set(row.name.toLowerCase(), row);
      inputs.forEach((input, i) => {
        const oldRow = existing.get(input.name.toLowerCase());
        const old = oldRow ? fromRow(oldRow) : undefined;
        const next: ServerFields = { ...(old ?? EMPTY) };
        for (const k of FIELDS) if (Object.hasOwn(input, k)) (next as unknown as Record<string, unknown>)[k] = input[k] ?? null;
        if ((next.status as ServerStatus | null) === null) next.status = old?.status ?? 'working';
        if (!old) {
          // A new host has no history yet: its status's first change will be recorded.
          const id = Number(this.q.insert.run(...toRow(next), input.name, now, now).lastInsertRowid);
          for (const ip of next.ips) this.q.addIp.run(parseIp(ip)!.key, id);
          counts.created++;
        } else if (FIELDS.every((k) => same(next[k], old[k]))) {
          counts.unchanged++;
        } else {
          this.q.update.run(...toRow(next), now, old.id);
          if (!same(next.ips, old.ips)) {
            for (const ip of old.ips) this.q.delIp.run(parseIp(ip)!.key, old.id);
            for (const ip of next.ips) this.q.addIp.run(parseIp(ip)!.key, old.id);
          }
          if (next.status !== old.status) {
            this.q.addHistory.run(old.id, now, opts.actor, old.status, next.status, opts.reason, null);
            changes.push([old.id, { at: now, actor: opts.actor, from_status: old.status, to_status: next.status, reason: opts.reason, maintenance_id: null }]);
          }
          counts.updated++;
        }
        if (opts.onProgress && i % 1000 === 999) opts.onProgress(i + 1);
      });
      if (opts.dryRun) throw rollback;
    });
    try {
      run.immediate();
      for (const [id, change] of changes) for (const l of this.statusListeners) l(id, change);
    } catch (err) {
      if (err !== rollback) throw err;
    }
    opts.onProgress?.(inputs.length);
    return counts;
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

/** A shell glob as an anchored, case-insensitive RegExp. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/**
 * Builds the WHERE clause for a filter. A value with `*`, `?` or `[` is a
 * glob; otherwise it must match exactly (case-insensitively).
 */
function filterSql(f: ServerFilter): { where: string; params: Record<string, string> } {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  const column = (col: string, key: 'name' | 'status' | 'dc' | 'service', value: string) => {
    params[key] = GLOB_CHARS.test(value) ? value.toLowerCase() : value;
    parts.push(GLOB_CHARS.test(value) ? `lower(${col}) GLOB @${key}` : `${col} = @${key} COLLATE NOCASE`);
  };
  const list = (col: string, key: 'role' | 'tag', value: string) => {
    params[key] = GLOB_CHARS.test(value) ? value : ` ${value.toLowerCase()} `;
    parts.push(GLOB_CHARS.test(value) ? `token_glob(${col}, @${key})` : `instr(' ' || lower(${col}) || ' ', @${key}) > 0`);
  };
  if (f.name !== undefined) {
    column('s.name', 'name', f.name);
    // A literal prefix lets SQLite use the name index instead of scanning.
    const prefix = /^[^*?[]*/.exec(f.name)![0];
    if (prefix && GLOB_CHARS.test(f.name)) {
      params.name_lo = prefix;
      params.name_hi = prefix + '\uffff';
      parts.push('s.name >= @name_lo COLLATE NOCASE AND s.name < @name_hi COLLATE NOCASE');
    }
  }
  if (f.status !== undefined) column('s.status', 'status', f.status);
  if (f.dc !== undefined) column('s.dc', 'dc', f.dc);
  if (f.service !== undefined) column('s.service', 'service', f.service);
  if (f.role !== undefined) list('s.roles', 'role', f.role);
  if (f.tag !== undefined) list('s.tags', 'tag', f.tag);
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
