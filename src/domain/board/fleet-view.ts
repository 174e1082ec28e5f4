import type { Engine, Sql } from '../../store/sql.js';
import { SEVERITIES, type Severity } from '../alerts/model.js';
import { STATUSES, type ServerStatus } from '../servers/model.js';

/**
 * The status board's fleet read model: aggregate reads straight from the
 * store. The domain services answer one host or one list at a time; the
 * front page needs counts over the whole fleet, and turning 100,000 hosts
 * into objects only to count them would cost most of the time budget.
 * Read-only, every one of them.
 */

/**
 * What the two engines spell differently, in this one place; every query
 * below is built from it once per engine, at load, so each SQL text is
 * constant and the store's statement cache keeps it prepared.
 */
interface Dialect {
  /**
   * The values of a JSON array parameter as a table `alias` with one
   * column, `value`. (SQLite's json_each(); PostgreSQL's
   * json_array_elements_text(), whose values are text: `type` casts them.)
   */
  values(param: string, alias: string, type?: 'bigint'): string;
  /**
   * lower() of ASCII letters only, compared and sorted by code point: the
   * group keys and board order in JS (asciiLower, boardOrder) must agree
   * with SQL's. SQLite's lower() and BINARY collation do just that; on
   * PostgreSQL, lower() and the order follow the database's locale unless
   * under the "C" collation.
   */
  lower(expr: string): string;
  /** Whole milliseconds since the epoch of an ISO 8601 text column. */
  epochMs(column: string): string;
  /** A whole number of hours from a REAL or NUMERIC count of milliseconds (not negative), rounded down. */
  hours(ms: string): string;
}

const DIALECTS: Record<Engine, Dialect> = {
  sqlite: {
    values: (param, alias) => `json_each(${param}) AS ${alias}`,
    lower: (expr) => `lower(${expr})`,
    epochMs: (column) => `round(unixepoch(${column}, 'subsec') * 1000)`,
    hours: (ms) => `CAST(${ms} / 3600000 AS INTEGER)`,
  },
  postgres: {
    values: (param, alias, type) => (type
      ? `(SELECT CAST(value AS ${type}) AS value FROM json_array_elements_text(CAST(${param} AS json)) AS j(value)) AS ${alias}`
      : `json_array_elements_text(CAST(${param} AS json)) AS ${alias}(value)`),
    lower: (expr) => `lower(${expr} COLLATE "C")`,
    epochMs: (column) => `round(extract(epoch FROM CAST(${column} AS timestamptz)) * 1000)`,
    // A CAST of a NUMERIC to INTEGER rounds on PostgreSQL: floor() first.
    hours: (ms) => `CAST(floor(${ms} / 3600000) AS INTEGER)`,
  },
};

/** The first word of the space-separated roles column: a host is grouped under its first role. */
const FIRST_ROLE = "CASE WHEN instr(s.roles, ' ') > 0 THEN substr(s.roles, 1, instr(s.roles, ' ') - 1) ELSE s.roles END";

/**
 * What the filter box searches: the same words as a tile's data-search, so
 * a query finds the same hosts whether the browser or the server filters.
 * LIKE rather than lower() + instr(): it ignores ASCII case by itself (on
 * PostgreSQL it is ILIKE), and building the lowered string was most of the
 * cost of a filtered scan.
 */
const HAYSTACK = `(s.name || ' ' || coalesce(s.fqdn, '') || ' ' || s.roles || ' ' || coalesce(s.service, '') || ' ' || s.status || ' ' ||
  s.tags || ' ' || coalesce(s.dc, '') || ' ' || coalesce(s.rack, ''))`;

const SEVERITY_RANK = `CASE a.severity ${SEVERITIES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE ${SEVERITIES.length} END`;

const TILE_COLUMNS = 's.id, s.name, s.fqdn, s.roles, s.service, s.status, s.tags, s.dc, s.rack';

/** The SQL of every read, in one engine's spelling. */
function queries(d: Dialect) {
  /** `x IN (the values of a JSON array parameter)`. */
  const inList = (param: string, type?: 'bigint') => `IN (SELECT j.value FROM ${d.values(param, 'j', type)})`;
  /**
   * Every pattern of @patterns (a JSON array of `%word%`) must match. One
   * statement for any number of words, so it is prepared once, not per query.
   */
  const MATCHES = `NOT EXISTS (SELECT 1 FROM ${d.values('@patterns', 'w')} WHERE ${HAYSTACK} NOT LIKE w.value ESCAPE '\\')`;
  /**
   * groupKey() in SQL: service and first role, ASCII-lowercased, joined by
   * @sep, a unit separator (no name holds one; bound, as SQLite's char(31)
   * has no PostgreSQL spelling).
   */
  const GROUP_KEY = `${d.lower("coalesce(s.service, '')")} || @sep || ${d.lower(FIRST_ROLE)}`;
  /** Board order: hosts without a service, then without a role, after the named ones; then by name. */
  const BOARD_ORDER = `(s.service IS NULL OR s.service = ''), ${d.lower("coalesce(s.service, '')")}, (s.roles = ''), ${d.lower(FIRST_ROLE)}, s.name COLLATE NOCASE`;
  const AGO = d.hours(`(@now - ${d.epochMs('started_at')})`);
  return {
    statusCounts: 'SELECT status, COUNT(*) AS n FROM servers GROUP BY status',
    // Unfiltered, one scan yields the fleet's status counts and the groups'
    // sizes. Grouped by the raw columns, not by expressions on them, which
    // cost a third more; the few distinct (service, roles) pairs are folded
    // into groups in JS.
    layout: `SELECT s.service AS service, s.roles AS roles, s.status AS status, COUNT(*) AS n FROM servers s
      GROUP BY s.service, s.roles, s.status`,
    // Filtered, counting statuses apart is cheaper: the grouping then sorts only the matching hosts.
    groupsMatching: `SELECT s.service AS service, s.roles AS roles, COUNT(*) AS n FROM servers s WHERE ${MATCHES}
      GROUP BY s.service, s.roles`,
    // alerts_status (status, id) makes the firing ones a range scan, however many resolved ones are stored.
    firingCounts: "SELECT severity, COUNT(*) AS n FROM alerts WHERE status = 'firing' GROUP BY severity",
    activeTickets: "SELECT COUNT(*) FROM tickets WHERE status IN ('open', 'in_progress')",
    firingByHost: `SELECT a.server_id AS id, COUNT(*) AS firing, MIN(${SEVERITY_RANK}) AS worst,
      SUM(CASE WHEN a.suppressed IS NOT NULL THEN 1 ELSE 0 END) AS quiet
      FROM alerts a WHERE a.status = 'firing' AND a.server_id IS NOT NULL GROUP BY a.server_id`,
    firingForHosts: `SELECT a.server_id AS id, COUNT(*) AS firing, MIN(${SEVERITY_RANK}) AS worst,
      SUM(CASE WHEN a.suppressed IS NOT NULL THEN 1 ELSE 0 END) AS quiet
      FROM alerts a WHERE a.status = 'firing' AND a.server_id ${inList('?', 'bigint')} GROUP BY a.server_id`,
    ticketsByHost: `SELECT h.server_id AS id, COUNT(*) AS n FROM tickets t JOIN ticket_hosts h ON h.ticket_id = t.id
      WHERE t.status IN ('open', 'in_progress') GROUP BY h.server_id`,
    ticketsForHosts: `SELECT h.server_id AS id, COUNT(*) AS n FROM ticket_hosts h JOIN tickets t ON t.id = h.ticket_id
      WHERE h.server_id ${inList('?', 'bigint')} AND t.status IN ('open', 'in_progress') GROUP BY h.server_id`,
    // Whole milliseconds since the epoch, so a start on an hour's boundary falls in exactly one bar.
    // No index on started_at (each would cost every ingest a write): this scans the alerts table.
    // (@now arrives as a REAL: the CAST makes the division's result a whole number of hours.)
    alertsPerHour: `SELECT ${AGO} AS ago, COUNT(*) AS n
      FROM alerts WHERE started_at > @since AND started_at <= @until GROUP BY ago`,
    // SQLite keeps only offset + limit rows while sorting: the first pages are cheap, deep ones cost more.
    tiles: `SELECT ${TILE_COLUMNS} FROM servers s ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`,
    tilesMatching: `SELECT ${TILE_COLUMNS} FROM servers s WHERE ${MATCHES} ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`,
    // A page of a big fleet: only the groups it spans are sorted. Plain
    // comparisons of the stored columns rule out most hosts cheaply; the
    // group key then drops the few of other groups that share a service or roles.
    window: `SELECT ${TILE_COLUMNS} FROM servers s WHERE coalesce(s.service, '') ${inList('@services')}
      AND s.roles ${inList('@roles')} AND ${GROUP_KEY} ${inList('@keys')}
      ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`,
    windowMatching: `SELECT ${TILE_COLUMNS} FROM servers s WHERE coalesce(s.service, '') ${inList('@services')}
      AND s.roles ${inList('@roles')} AND ${GROUP_KEY} ${inList('@keys')} AND ${MATCHES}
      ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`,
  };
}

const QUERIES: Record<Engine, ReturnType<typeof queries>> = { sqlite: queries(DIALECTS.sqlite), postgres: queries(DIALECTS.postgres) };

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export interface StatusCounts {
  total: number;
  byStatus: Record<ServerStatus, number>;
}

export interface AlertTicketCounts {
  /** Firing alerts (held-back ones included), in all and per severity. */
  firing: number;
  firingBySeverity: Record<Severity, number>;
  /** Open and in-progress tickets. */
  activeTickets: number;
}

export type FleetSummary = StatusCounts & AlertTicketCounts;

/** Lowercased words of a filter query, as the browser's script splits them. */
export function filterWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** `%word%`, with LIKE's own characters taken literally. */
function patterns(words: readonly string[]): string {
  return JSON.stringify(words.map((w) => `%${w.replace(/[\\%_]/g, (c) => '\\' + c)}%`));
}

/**
 * SQLite's lower(): ASCII only (PostgreSQL's under the "C" collation, see
 * Dialect.lower). Group keys and the board's order are made with it on both
 * sides (SQL and here), so they always agree.
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
}

/** The group a host is shown in: its service and first role, as keys ('' for none). */
export function groupOf(service: string | null, roles: string): { service: string; role: string } {
  return { service: service ?? '', role: roles.split(' ', 1)[0] ?? '' };
}

/** Between a group key's service and role: a unit separator, which no name holds (GROUP_KEY binds it as @sep). */
const SEP = '\u001f';

export function groupKey(service: string, role: string): string {
  return `${asciiLower(service)}${SEP}${asciiLower(role)}`;
}

export interface GroupCount {
  /** As first seen ('' for hosts without one); groups ignore ASCII case. */
  service: string;
  role: string;
  count: number;
  /** The stored service ('' for none) and roles values its hosts have: what a page's query selects by. */
  services: Set<string>;
  roles: Set<string>;
}

export interface FleetLayout extends StatusCounts {
  /** Hosts matching every word. */
  matching: number;
  /** Groups with a matching host, in board order. */
  groups: GroupCount[];
}

/** The same order as BOARD_ORDER in SQL, for groups. */
function boardOrder(a: GroupCount, b: GroupCount): number {
  return (
    Number(a.service === '') - Number(b.service === '') ||
    compare(asciiLower(a.service), asciiLower(b.service)) ||
    Number(a.role === '') - Number(b.role === '') ||
    compare(asciiLower(a.role), asciiLower(b.role))
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface HostBadge {
  /** Firing alerts on the host, held-back ones (maintenance, silences) included. */
  firing: number;
  /** Of those, how many are held back. */
  quiet: number;
  worst: Severity | null;
  /** Open and in-progress tickets naming the host. */
  tickets: number;
}

export interface HourBucket {
  start: Date;
  end: Date;
  count: number;
}

/** What a tile needs of a host, nothing more: no notes, no hardware. */
export interface TileHost {
  id: number;
  name: string;
  fqdn: string | null;
  roles: string;
  service: string | null;
  status: ServerStatus;
  tags: string;
  dc: string | null;
  rack: string | null;
}

/**
 * The SQL texts are fixed per engine (QUERIES), so the store prepares each
 * once and a page render only binds and runs.
 */
export class FleetView {
  private readonly q;

  constructor(private readonly db: Sql) {
    this.q = QUERIES[db.engine];
  }

  /**
   * Runs `read` in one transaction: its reads share one snapshot of the
   * store, so counts, pages and tiles agree even while another process
   * imports hosts, without taking the write lock. `read` must await
   * nothing but the store.
   */
  snapshot<T>(read: () => Promise<T>): Promise<T> {
    return this.db.tx(read, { readOnly: true });
  }

  /** Firing alerts by severity and active tickets, for the summary line: both read through an index. */
  async alertTicketCounts(): Promise<AlertTicketCounts> {
    const firingBySeverity = zeroes(SEVERITIES);
    let firing = 0;
    for (const r of await this.db.all<{ severity: Severity; n: number }>(this.q.firingCounts)) {
      firingBySeverity[r.severity] = (firingBySeverity[r.severity] ?? 0) + r.n;
      firing += r.n;
    }
    return { firing, firingBySeverity, activeTickets: (await this.db.value<number>(this.q.activeTickets)) ?? 0 };
  }

  /**
   * The whole fleet's counts by status, and how many hosts matching every
   * word each (service, first role) group has: one scan of the servers table.
   */
  async layout(words: readonly string[]): Promise<FleetLayout> {
    const byStatus = zeroes(STATUSES);
    let total = 0;
    let matching = 0;
    const groups = new Map<string, GroupCount>();
    const count = (service: string | null, roles: string, n: number) => {
      matching += n;
      const g = groupOf(service, roles);
      const key = groupKey(g.service, g.role);
      let known = groups.get(key);
      if (!known) groups.set(key, (known = { ...g, count: 0, services: new Set(), roles: new Set() }));
      known.count += n;
      known.services.add(service ?? '');
      known.roles.add(roles);
    };
    if (words.length === 0) {
      for (const r of await this.db.all<{ service: string | null; roles: string; status: ServerStatus; n: number }>(this.q.layout)) {
        byStatus[r.status] += r.n;
        total += r.n;
        count(r.service, r.roles, r.n);
      }
    } else {
      for (const r of await this.db.all<{ status: ServerStatus; n: number }>(this.q.statusCounts)) {
        byStatus[r.status] = r.n;
        total += r.n;
      }
      for (const r of await this.db.all<{ service: string | null; roles: string; n: number }>(this.q.groupsMatching, { patterns: patterns(words) })) {
        count(r.service, r.roles, r.n);
      }
    }
    return { total, byStatus, matching, groups: [...groups.values()].sort(boardOrder) };
  }

  /**
   * Badges for the given hosts, or for every host with something to show.
   * Only hosts with a firing alert or an active ticket are in the map.
   */
  async hostBadges(ids?: readonly number[]): Promise<Map<number, HostBadge>> {
    const out = new Map<number, HostBadge>();
    const badge = (id: number) => {
      let b = out.get(id);
      if (!b) out.set(id, (b = { firing: 0, quiet: 0, worst: null, tickets: 0 }));
      return b;
    };
    if (ids?.length === 0) return out;
    const list = ids && JSON.stringify(ids);
    type Firing = { id: number; firing: number; worst: number; quiet: number };
    const firing = list ? await this.db.all<Firing>(this.q.firingForHosts, [list]) : await this.db.all<Firing>(this.q.firingByHost);
    for (const r of firing) Object.assign(badge(r.id), { firing: r.firing, quiet: r.quiet, worst: SEVERITIES[r.worst] ?? 'info' });
    type Tickets = { id: number; n: number };
    const tickets = list ? await this.db.all<Tickets>(this.q.ticketsForHosts, [list]) : await this.db.all<Tickets>(this.q.ticketsByHost);
    for (const r of tickets) badge(r.id).tickets = r.n;
    return out;
  }

  /**
   * Alerts by the time they started, in `hours` one-hour buckets ending at
   * `now`, oldest first: a bucket holds (start, end], so an alert that
   * started exactly `hours` ago is before the chart and one starting now is
   * in the last bar.
   */
  async alertsPerHour(now: Date, hours = 24): Promise<HourBucket[]> {
    const HOUR = 3_600_000;
    const until = now.getTime();
    const since = until - hours * HOUR;
    const buckets: HourBucket[] = Array.from({ length: hours }, (_, i) => ({
      start: new Date(since + i * HOUR),
      end: new Date(since + (i + 1) * HOUR),
      count: 0,
    }));
    const rows = await this.db.all<{ ago: number; n: number }>(this.q.alertsPerHour, { now: until, since: new Date(since).toISOString(), until: now.toISOString() });
    for (const r of rows) {
      const b = buckets[hours - 1 - r.ago];
      if (b) b.count += r.n;
    }
    return buckets;
  }

  /**
   * One page of hosts matching every word, in board order (by service, then
   * first role, both unnamed last, then name), so a group's hosts are
   * consecutive and a page holds whole runs of groups.
   */
  tiles(words: readonly string[], limit: number, offset: number): Promise<TileHost[]> {
    return words.length
      ? this.db.all<TileHost>(this.q.tilesMatching, { patterns: patterns(words), limit, offset })
      : this.db.all<TileHost>(this.q.tiles, { limit, offset });
  }

  /**
   * A page of a big fleet: `limit` hosts from `offset` in board order among
   * those matching every word, found through the layout's groups so that
   * the store sorts only the groups the page spans, not the whole fleet
   * (on SQLite, the difference between 100 ms and 600 ms for a late page of
   * 100,000 hosts).
   */
  async pageTiles(layout: FleetLayout, words: readonly string[], limit: number, offset: number): Promise<TileHost[]> {
    const spanned: GroupCount[] = [];
    let start = 0;
    let first = 0;
    for (const g of layout.groups) {
      const end = start + g.count;
      if (end > offset && start < offset + limit) {
        if (spanned.length === 0) first = start;
        spanned.push(g);
      }
      start = end;
    }
    if (spanned.length === 0) return [];
    const json = (xs: Iterable<string>) => JSON.stringify([...new Set(xs)]);
    const params = {
      services: json(spanned.flatMap((g) => [...g.services])),
      roles: json(spanned.flatMap((g) => [...g.roles])),
      keys: json(spanned.map((g) => groupKey(g.service, g.role))),
      sep: SEP,
      limit,
      offset: offset - first,
    };
    return words.length
      ? this.db.all<TileHost>(this.q.windowMatching, { ...params, patterns: patterns(words) })
      : this.db.all<TileHost>(this.q.window, params);
  }
}
