import type { Clock } from '../../clock.js';
import type { DB } from '../../store/database.js';
import { parseCidr, parseIp } from './ip.js';
import type { Server, ServerFields, ServerFilter, ServerInput, ServerStatus, StatusChange } from './model.js';

type ServerRow = Omit<Server, 'ips' | 'roles' | 'tags'>;

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
const SCALARS = ['fqdn', 'service', 'dc', 'rack', 'status', 'cpu', 'memory_gb', 'model', 'os', 'notes'] as const;

/**
 * The server inventory: every read and write of hosts goes through here, for
 * chat commands, the HTTP API, the importer and (later) maintenance windows.
 */
export class Inventory {
  private readonly q;

  constructor(private readonly db: DB, private readonly clock: Clock) {
    this.q = {
      byName: db.prepare('SELECT * FROM servers WHERE name = ? COLLATE NOCASE'),
      byFqdn: db.prepare('SELECT * FROM servers WHERE fqdn = ? COLLATE NOCASE LIMIT 1'),
      ips: db.prepare('SELECT ip FROM server_ips WHERE server_id = ? ORDER BY position').pluck(),
      roles: db.prepare('SELECT role FROM server_roles WHERE server_id = ? ORDER BY position').pluck(),
      tags: db.prepare('SELECT tag FROM server_tags WHERE server_id = ? ORDER BY position').pluck(),
      idsByIpRange: db.prepare('SELECT DISTINCT server_id FROM server_ips WHERE ip_key BETWEEN ? AND ? LIMIT ?').pluck(),
      countByIpRange: db.prepare('SELECT COUNT(DISTINCT server_id) FROM server_ips WHERE ip_key BETWEEN ? AND ?').pluck(),
      byId: db.prepare('SELECT * FROM servers WHERE id = ?'),
      insert: db.prepare(`INSERT INTO servers (name, fqdn, service, dc, rack, status, cpu, memory_gb, model, os, notes, created_at, updated_at)
        VALUES (@name, @fqdn, @service, @dc, @rack, @status, @cpu, @memory_gb, @model, @os, @notes, @now, @now)`),
      update: db.prepare(`UPDATE servers SET fqdn = @fqdn, service = @service, dc = @dc, rack = @rack, status = @status, cpu = @cpu,
        memory_gb = @memory_gb, model = @model, os = @os, notes = @notes, updated_at = @now WHERE id = @id`),
      setStatus: db.prepare('UPDATE servers SET status = ?, updated_at = ? WHERE id = ?'),
      delIps: db.prepare('DELETE FROM server_ips WHERE server_id = ?'),
      delRoles: db.prepare('DELETE FROM server_roles WHERE server_id = ?'),
      delTags: db.prepare('DELETE FROM server_tags WHERE server_id = ?'),
      addIp: db.prepare('INSERT INTO server_ips (server_id, position, ip, ip_key) VALUES (?, ?, ?, ?)'),
      addRole: db.prepare('INSERT INTO server_roles (server_id, position, role) VALUES (?, ?, ?)'),
      addTag: db.prepare('INSERT INTO server_tags (server_id, position, tag) VALUES (?, ?, ?)'),
      addHistory: db.prepare(`INSERT INTO server_status_history (server_id, at, actor, from_status, to_status, reason, maintenance_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      history: db.prepare(`SELECT at, actor, from_status, to_status, reason, maintenance_id FROM server_status_history
        WHERE server_id = ? ORDER BY id DESC LIMIT ?`),
      namesStarting: db.prepare("SELECT name FROM servers WHERE name >= ? COLLATE NOCASE AND name < ? COLLATE NOCASE").pluck(),
      allNames: db.prepare('SELECT name FROM servers').pluck(),
    };
  }

  /** By exact name (case-insensitive), else by exact FQDN. */
  get(nameOrFqdn: string): Server | null {
    const row = (this.q.byName.get(nameOrFqdn) ?? this.q.byFqdn.get(nameOrFqdn)) as ServerRow | undefined;
    return row ? this.hydrate(row) : null;
  }

  /** Hosts holding an address, or an address inside a CIDR range. */
  findByAddress(query: string, limit: number): { total: number; servers: Server[] } | null {
    const ip = parseIp(query);
    const range = ip ? { lo: ip.key, hi: ip.key } : parseCidr(query);
    if (!range) return null;
    const total = this.q.countByIpRange.get(range.lo, range.hi) as number;
    const ids = this.q.idsByIpRange.all(range.lo, range.hi, limit) as number[];
    const servers = ids.map((id) => this.hydrate(this.q.byId.get(id) as ServerRow));
    servers.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    return { total, servers };
  }

  /** Filters (values may be globs), sorted by name, with the total before the limit. */
  list(filter: ServerFilter, limit: number, offset = 0): { total: number; servers: Server[] } {
    const { where, params } = filterSql(filter);
    const total = this.db.prepare(`SELECT COUNT(*) FROM servers s ${where}`).pluck().get(params) as number;
    const rows = this.db
      .prepare(`SELECT * FROM servers s ${where} ORDER BY s.name COLLATE NOCASE LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit, offset }) as ServerRow[];
    return { total, servers: rows.map((r) => this.hydrate(r)) };
  }

  countByStatus(filter: ServerFilter): StatusCount[] {
    const { where, params } = filterSql(filter);
    return this.db
      .prepare(`SELECT status, COUNT(*) AS count FROM servers s ${where} GROUP BY status ORDER BY count DESC, status`)
      .all(params) as StatusCount[];
  }

  /**
   * Names close to one that was not found. Scans names that share the first
   * character (the usual typo keeps it), then all names if that finds none.
   */
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
    return this.db.transaction(() => {
      const row = this.q.byId.get(id) as ServerRow | undefined;
      if (!row) throw new Error(`server id ${id} vanished`);
      if (row.status === to) return null;
      const at = this.clock.now().toISOString();
      this.q.setStatus.run(to, at, id);
      this.q.addHistory.run(id, at, actor, row.status, to, reason, maintenanceId);
      return { at, actor, from_status: row.status, to_status: to, reason, maintenance_id: maintenanceId };
    }).immediate();
  }

  history(id: number, limit: number): StatusChange[] {
    return this.q.history.all(id, limit) as StatusChange[];
  }

  /** Every host, sorted by name, for export. */
  *all(): Generator<Server> {
    const ips = groupBy(this.db.prepare('SELECT server_id AS id, ip AS v FROM server_ips ORDER BY server_id, position').all() as IdValue[]);
    const roles = groupBy(this.db.prepare('SELECT server_id AS id, role AS v FROM server_roles ORDER BY server_id, position').all() as IdValue[]);
    const tags = groupBy(this.db.prepare('SELECT server_id AS id, tag AS v FROM server_tags ORDER BY server_id, position').all() as IdValue[]);
    for (const row of this.db.prepare('SELECT * FROM servers ORDER BY name COLLATE NOCASE').iterate() as Iterable<ServerRow>) {
      yield { ...row, ips: ips.get(row.id) ?? [], roles: roles.get(row.id) ?? [], tags: tags.get(row.id) ?? [] };
    }
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

    const run = this.db.transaction(() => {
      const existing = new Map<string, Server>();
      for (const s of this.all()) existing.set(s.name.toLowerCase(), s);
      inputs.forEach((input, i) => {
        const old = existing.get(input.name.toLowerCase());
        const next: ServerFields = { ...(old ?? EMPTY) };
        for (const k of Object.keys(input) as (keyof ServerInput)[]) if (k !== 'name') (next as unknown as Record<string, unknown>)[k] = input[k] ?? null;
        if ((next.status as ServerStatus | null) === null) next.status = old?.status ?? 'working';
        if (!old) {
          const id = Number(this.q.insert.run({ name: input.name, ...scalars(next), now }).lastInsertRowid);
          this.writeLists(id, next, { ips: true, roles: true, tags: true });
          this.q.addHistory.run(id, now, opts.actor, null, next.status, opts.reason, null);
          counts.created++;
        } else {
          const changed = {
            scalars: SCALARS.some((k) => next[k] !== old[k]),
            ips: !sameList(next.ips, old.ips),
            roles: !sameList(next.roles, old.roles),
            tags: !sameList(next.tags, old.tags),
          };
          if (!changed.scalars && !changed.ips && !changed.roles && !changed.tags) counts.unchanged++;
          else {
            this.q.update.run({ id: old.id, ...scalars(next), now });
            this.writeLists(old.id, next, changed);
            if (next.status !== old.status) this.q.addHistory.run(old.id, now, opts.actor, old.status, next.status, opts.reason, null);
            counts.updated++;
          }
        }
        if (opts.onProgress && i % 1000 === 999) opts.onProgress(i + 1);
      });
      if (opts.dryRun) throw rollback;
    });
    try {
      run.immediate();
    } catch (err) {
      if (err !== rollback) throw err;
    }
    opts.onProgress?.(inputs.length);
    return counts;
  }

  private writeLists(id: number, f: ServerFields, which: { ips: boolean; roles: boolean; tags: boolean }): void {
    if (which.ips) {
      this.q.delIps.run(id);
      f.ips.forEach((ip, i) => this.q.addIp.run(id, i, ip, parseIp(ip)!.key));
    }
    if (which.roles) {
      this.q.delRoles.run(id);
      f.roles.forEach((r, i) => this.q.addRole.run(id, i, r));
    }
    if (which.tags) {
      this.q.delTags.run(id);
      f.tags.forEach((t, i) => this.q.addTag.run(id, i, t));
    }
  }

  private hydrate(row: ServerRow): Server {
    return {
      ...row,
      ips: this.q.ips.all(row.id) as string[],
      roles: this.q.roles.all(row.id) as string[],
      tags: this.q.tags.all(row.id) as string[],
    };
  }
}

type IdValue = { id: number; v: string };

function groupBy(rows: IdValue[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const r of rows) {
    const l = m.get(r.id);
    if (l) l.push(r.v);
    else m.set(r.id, [r.v]);
  }
  return m;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function scalars(f: ServerFields) {
  return Object.fromEntries(SCALARS.map((k) => [k, f[k]]));
}

const GLOB_CHARS = /[*?[]/;

/**
 * Builds the WHERE clause for a filter. A value with `*`, `?` or `[` is a
 * glob; otherwise it must match exactly (case-insensitively).
 */
function filterSql(f: ServerFilter): { where: string; params: Record<string, string> } {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  const match = (col: string, key: string, value: string) => {
    params[key] = GLOB_CHARS.test(value) ? value.toLowerCase() : value;
    return GLOB_CHARS.test(value) ? `lower(${col}) GLOB @${key}` : `${col} = @${key} COLLATE NOCASE`;
  };
  if (f.name !== undefined) {
    parts.push(match('s.name', 'name', f.name));
    // A literal prefix lets SQLite use the name index instead of scanning.
    const prefix = /^[^*?[]*/.exec(f.name)![0];
    if (prefix && GLOB_CHARS.test(f.name)) {
      params.name_lo = prefix;
      params.name_hi = prefix + '\uffff';
      parts.push('s.name >= @name_lo COLLATE NOCASE AND s.name < @name_hi COLLATE NOCASE');
    }
  }
  if (f.status !== undefined) parts.push(match('s.status', 'status', f.status));
  if (f.dc !== undefined) parts.push(match('s.dc', 'dc', f.dc));
  if (f.service !== undefined) parts.push(match('s.service', 'service', f.service));
  if (f.role !== undefined) parts.push(`s.id IN (SELECT server_id FROM server_roles WHERE ${match('role', 'role', f.role)})`);
  if (f.tag !== undefined) parts.push(`s.id IN (SELECT server_id FROM server_tags WHERE ${match('tag', 'tag', f.tag)})`);
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
