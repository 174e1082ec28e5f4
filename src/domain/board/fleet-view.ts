import type { DB } from '../../store/database.js';
import { SEVERITIES, type Severity } from '../alerts/model.js';
import { STATUSES, type ServerStatus } from '../servers/model.js';

/**
 * The status board's fleet read model: aggregate reads straight from SQLite.
 * The domain services answer one host or one list at a time; the front page
 * needs counts over the whole fleet, and turning 100,000 hosts into objects
 * only to count them would cost most of the time budget. Read-only, every
 * one of them.
 */

/** The first word of the space-separated roles column: a host is grouped under its first role. */
const FIRST_ROLE = "CASE WHEN instr(s.roles, ' ') > 0 THEN substr(s.roles, 1, instr(s.roles, ' ') - 1) ELSE s.roles END";

/**
 * What the filter box searches: the same words as a tile's data-search, so
 * a query finds the same hosts whether the browser or the server filters.
 * LIKE rather than lower() + instr(): it ignores ASCII case by itself, and
 * building the lowered string was most of the cost of a filtered scan.
 */
const HAYSTACK = `(s.name || ' ' || ifnull(s.fqdn, '') || ' ' || s.roles || ' ' || ifnull(s.service, '') || ' ' || s.status || ' ' ||
  s.tags || ' ' || ifnull(s.dc, '') || ' ' || ifnull(s.rack, ''))`;

/**
 * Every pattern of @patterns (a JSON array of `%word%`) must match. One
 * statement for any number of words, so it is prepared once, not per query.
 */
const MATCHES = `NOT EXISTS (SELECT 1 FROM json_each(@patterns) w WHERE ${HAYSTACK} NOT LIKE w.value ESCAPE '\\')`;

/** groupKey() in SQL: service and first role, ASCII-lowercased, joined by a unit separator (no name holds one). */
const GROUP_KEY = `lower(ifnull(s.service, '')) || char(31) || lower(${FIRST_ROLE})`;

/** Board order: hosts without a service, then without a role, after the named ones; then by name. */
const BOARD_ORDER = `(s.service IS NULL OR s.service = ''), lower(ifnull(s.service, '')), (s.roles = ''), lower(${FIRST_ROLE}), s.name COLLATE NOCASE`;

const SEVERITY_RANK = `CASE a.severity ${SEVERITIES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE ${SEVERITIES.length} END`;

const TILE_COLUMNS = 's.id, s.name, s.fqdn, s.roles, s.service, s.status, s.tags, s.dc, s.rack';

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
 * SQLite's lower(): ASCII only. Group keys and the board's order are made
 * with it on both sides (SQL and here), so they always agree.
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
}

/** The group a host is shown in: its service and first role, as keys ('' for none). */
export function groupOf(service: string | null, roles: string): { service: string; role: string } {
  return { service: service ?? '', role: roles.split(' ', 1)[0] ?? '' };
}

export function groupKey(service: string, role: string): string {
  return `${asciiLower(service)}\u001f${asciiLower(role)}`;
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

/** Prepared once, when the board is wired: a page render binds and runs, it never compiles SQL. */
export class FleetView {
  private readonly q;

  constructor(private readonly db: DB) {
    this.q = {
      statusCounts: db.prepare('SELECT status, COUNT(*) AS n FROM servers GROUP BY status'),
      // Unfiltered, one scan yields the fleet's status counts and the groups'
      // sizes. Grouped by the raw columns, not by expressions on them, which
      // cost a third more; the few distinct (service, roles) pairs are folded
      // into groups in JS.
      layout: db.prepare(`SELECT s.service AS service, s.roles AS roles, s.status AS status, COUNT(*) AS n FROM servers s
        GROUP BY s.service, s.roles, s.status`),
      // Filtered, counting statuses apart is cheaper: the grouping then sorts only the matching hosts.
      groupsMatching: db.prepare(`SELECT s.service AS service, s.roles AS roles, COUNT(*) AS n FROM servers s WHERE ${MATCHES}
        GROUP BY s.service, s.roles`),
      // alerts_status (status, id) makes the firing ones a range scan, however many resolved ones are stored.
      firingCounts: db.prepare("SELECT severity, COUNT(*) AS n FROM alerts WHERE status = 'firing' GROUP BY severity"),
      activeTickets: db.prepare("SELECT COUNT(*) FROM tickets WHERE status IN ('open', 'in_progress')").pluck(),
      firingByHost: db.prepare(`SELECT a.server_id AS id, COUNT(*) AS firing, MIN(${SEVERITY_RANK}) AS worst, SUM(a.suppressed IS NOT NULL) AS quiet
        FROM alerts a WHERE a.status = 'firing' AND a.server_id IS NOT NULL GROUP BY a.server_id`),
      firingForHosts: db.prepare(`SELECT a.server_id AS id, COUNT(*) AS firing, MIN(${SEVERITY_RANK}) AS worst, SUM(a.suppressed IS NOT NULL) AS quiet
        FROM alerts a WHERE a.status = 'firing' AND a.server_id IN (SELECT value FROM json_each(?)) GROUP BY a.server_id`),
      ticketsByHost: db.prepare(`SELECT h.server_id AS id, COUNT(*) AS n FROM tickets t JOIN ticket_hosts h ON h.ticket_id = t.id
        WHERE t.status IN ('open', 'in_progress') GROUP BY h.server_id`),
      ticketsForHosts: db.prepare(`SELECT h.server_id AS id, COUNT(*) AS n FROM ticket_hosts h JOIN tickets t ON t.id = h.ticket_id
        WHERE h.server_id IN (SELECT value FROM json_each(?)) AND t.status IN ('open', 'in_progress') GROUP BY h.server_id`),
      // Whole milliseconds since the epoch, so a start on an hour's boundary falls in exactly one bar.
      // No index on started_at (each would cost every ingest a write): this scans the alerts table.
      // (@now arrives as a REAL: the CAST makes the division's result a whole number of hours.)
      alertsPerHour: db.prepare(`SELECT CAST((@now - round(unixepoch(started_at, 'subsec') * 1000)) / 3600000 AS INTEGER) AS ago, COUNT(*) AS n
        FROM alerts WHERE started_at > @since AND started_at <= @until GROUP BY ago`),
      // SQLite keeps only offset + limit rows while sorting: the first pages are cheap, deep ones cost more.
      tiles: db.prepare(`SELECT ${TILE_COLUMNS} FROM servers s ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`),
      tilesMatching: db.prepare(`SELECT ${TILE_COLUMNS} FROM servers s WHERE ${MATCHES} ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`),
      // A page of a big fleet: only the groups it spans are sorted. Plain
      // comparisons of the stored columns rule out most hosts cheaply; the
      // group key then drops the few of other groups that share a service or roles.
      window: db.prepare(`SELECT ${TILE_COLUMNS} FROM servers s WHERE ifnull(s.service, '') IN (SELECT value FROM json_each(@services))
        AND s.roles IN (SELECT value FROM json_each(@roles)) AND ${GROUP_KEY} IN (SELECT value FROM json_each(@keys))
        ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`),
      windowMatching: db.prepare(`SELECT ${TILE_COLUMNS} FROM servers s WHERE ifnull(s.service, '') IN (SELECT value FROM json_each(@services))
        AND s.roles IN (SELECT value FROM json_each(@roles)) AND ${GROUP_KEY} IN (SELECT value FROM json_each(@keys)) AND ${MATCHES}
        ORDER BY ${BOARD_ORDER} LIMIT @limit OFFSET @offset`),
    };
  }

  /**
   * Runs `read` in one read transaction: its reads share one snapshot of the
   * store, so counts, pages and tiles agree even while another process
   * imports hosts.
   */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read)();
  }

  /** Firing alerts by severity and active tickets, for the summary line: both read through an index. */
  alertTicketCounts(): AlertTicketCounts {
    const firingBySeverity = zeroes(SEVERITIES);
    let firing = 0;
    for (const r of this.q.firingCounts.all() as Array<{ severity: Severity; n: number }>) {
      firingBySeverity[r.severity] = (firingBySeverity[r.severity] ?? 0) + r.n;
      firing += r.n;
    }
    return { firing, firingBySeverity, activeTickets: this.q.activeTickets.get() as number };
  }

  /**
   * The whole fleet's counts by status, and how many hosts matching every
   * word each (service, first role) group has: one scan of the servers table.
   */
  layout(words: readonly string[]): FleetLayout {
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
      for (const r of this.q.layout.all() as Array<{ service: string | null; roles: string; status: ServerStatus; n: number }>) {
        byStatus[r.status] += r.n;
        total += r.n;
        count(r.service, r.roles, r.n);
      }
    } else {
      for (const r of this.q.statusCounts.all() as Array<{ status: ServerStatus; n: number }>) {
        byStatus[r.status] = r.n;
        total += r.n;
      }
      for (const r of this.q.groupsMatching.all({ patterns: patterns(words) }) as Array<{ service: string | null; roles: string; n: number }>) {
        count(r.service, r.roles, r.n);
      }
    }
    return { total, byStatus, matching, groups: [...groups.values()].sort(boardOrder) };
  }

  /**
   * Badges for the given hosts, or for every host with something to show.
   * Only hosts with a firing alert or an active ticket are in the map.
   */
  hostBadges(ids?: readonly number[]): Map<number, HostBadge> {
    const out = new Map<number, HostBadge>();
    const badge = (id: number) => {
      let b = out.get(id);
      if (!b) out.set(id, (b = { firing: 0, quiet: 0, worst: null, tickets: 0 }));
      return b;
    };
    if (ids?.length === 0) return out;
    const list = ids && JSON.stringify(ids);
    const firing = (list ? this.q.firingForHosts.all(list) : this.q.firingByHost.all()) as Array<{ id: number; firing: number; worst: number; quiet: number }>;
    for (const r of firing) Object.assign(badge(r.id), { firing: r.firing, quiet: r.quiet, worst: SEVERITIES[r.worst] ?? 'info' });
    const tickets = (list ? this.q.ticketsForHosts.all(list) : this.q.ticketsByHost.all()) as Array<{ id: number; n: number }>;
    for (const r of tickets) badge(r.id).tickets = r.n;
    return out;
  }

  /**
   * Alerts by the time they started, in `hours` one-hour buckets ending at
   * `now`, oldest first: a bucket holds (start, end], so an alert that
   * started exactly `hours` ago is before the chart and one starting now is
   * in the last bar.
   */
  alertsPerHour(now: Date, hours = 24): HourBucket[] {
    const HOUR = 3_600_000;
    const until = now.getTime();
    const since = until - hours * HOUR;
    const buckets: HourBucket[] = Array.from({ length: hours }, (_, i) => ({
      start: new Date(since + i * HOUR),
      end: new Date(since + (i + 1) * HOUR),
      count: 0,
    }));
    const rows = this.q.alertsPerHour.all({ now: until, since: new Date(since).toISOString(), until: now.toISOString() }) as Array<{ ago: number; n: number }>;
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
  tiles(words: readonly string[], limit: number, offset: number): TileHost[] {
    return (words.length ? this.q.tilesMatching.all({ patterns: patterns(words), limit, offset }) : this.q.tiles.all({ limit, offset })) as TileHost[];
  }

  /**
   * A page of a big fleet: `limit` hosts from `offset` in board order among
   * those matching every word, found through the layout's groups so that
   * SQLite sorts only the groups the page spans, not the whole fleet (the
   * difference between 100 ms and 600 ms for a late page of 100,000 hosts).
   */
  pageTiles(layout: FleetLayout, words: readonly string[], limit: number, offset: number): TileHost[] {
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
      limit,
      offset: offset - first,
    };
    return (words.length ? this.q.windowMatching.all({ ...params, patterns: patterns(words) }) : this.q.window.all(params)) as TileHost[];
  }
}
