import { statSync } from 'node:fs';
import type { Engine, Sql } from './sql.js';
import { formatTime } from '../time/format.js';

/**
 * The kinds of data the store keeps, by the names `db stats`, `/metrics` and
 * retention share. `time` is the column a row's age is read from.
 */
export const STORE_KINDS = [
  { kind: 'log_lines', table: 'log_lines', time: 'received_at', id: true },
  { kind: 'alerts', table: 'alerts', time: 'first_seen_at', id: true },
  { kind: 'alert_events', table: 'alert_events', time: 'at', id: true },
  { kind: 'outbox', table: 'outbox', time: 'created_at', id: true },
  { kind: 'git_pushes', table: 'git_pushes', time: 'received_at', id: false },
  { kind: 'server_status_history', table: 'server_status_history', time: 'at', id: true },
  { kind: 'tickets', table: 'tickets', time: 'created_at', id: true },
  { kind: 'ticket_events', table: 'ticket_events', time: 'at', id: true },
  { kind: 'servers', table: 'servers', time: 'created_at', id: true },
] as const;

export type StoreKind = (typeof STORE_KINDS)[number]['kind'];

export interface KindStats {
  kind: StoreKind;
  table: string;
  rows: number;
  /** `rows` is highest id − lowest id + 1, not a count: rows deleted in between are still counted. */
  estimated: boolean;
  /** ISO time of the oldest row; null when there is none. */
  oldest: string | null;
  /** alerts: how many are resolved (null when the rows were estimated). */
  resolved?: number | null;
  /** outbox: how many the chat platform confirmed (null when the rows were estimated). */
  delivered?: number | null;
  /** The table with its indexes on disk: PostgreSQL only (SQLite would have to read every page to know). */
  bytes: number | null;
}

export type StoreSize =
  | {
      engine: 'sqlite';
      /** The database file; '' for an in-memory database. */
      file: string;
      fileBytes: number;
      walBytes: number;
      pageSize: number;
      pages: number;
      /** Pages inside the file that hold nothing (after deletes): reused by new rows, returned to the disk by VACUUM. */
      freePages: number;
      /** What the store takes on disk: file + WAL. */
      totalBytes: number;
    }
  | { engine: 'postgres'; /** pg_database_size */ totalBytes: number };

export interface StoreStats {
  engine: Engine;
  /** Where the data is: a file path, or host:port/database. */
  name: string;
  kinds: KindStats[];
  size: StoreSize;
}

export interface StoreStatsOptions {
  /**
   * Count every row (COUNT(*), MIN of the time column). On SQLite that reads
   * the whole table: about 0.7 s for 20M log lines from the page cache, tens
   * of seconds from a cold disk, and the bot's one connection would wait for
   * it. So the default, for use inside the bot, estimates any table spanning
   * more than ESTIMATE_ABOVE ids: the id range (two index lookups) for the
   * rows, and the lowest id's time for the oldest, since rows are written
   * with the time they are written at. Retention deletes from the old end, so
   * the id range follows it.
   */
  exact?: boolean;
}

/** Below this id span a table is counted exactly even when estimating: a few ms. */
export const ESTIMATE_ABOVE = 100_000;

export async function storeStats(db: Sql, opts: StoreStatsOptions = {}): Promise<StoreStats> {
  const exact = opts.exact ?? false;
  // One snapshot, so a kind's count and its details agree; read-only takes no write lock.
  const kinds = await db.tx(async () => {
    const out: KindStats[] = [];
    for (const k of STORE_KINDS) out.push(await kindStats(db, k, exact));
    return out;
  }, { readOnly: true });
  if (db.engine === 'postgres') {
    const sizes = await db.all<{ t: string; bytes: number }>(
      `SELECT t, pg_total_relation_size(t::regclass) AS bytes FROM unnest(?::text[]) AS t`,
      [STORE_KINDS.map((k) => k.table)],
    );
    const byTable = new Map(sizes.map((s) => [s.t, Number(s.bytes)]));
    for (const k of kinds) k.bytes = byTable.get(k.table) ?? null;
    const total = Number(await db.value('SELECT pg_database_size(current_database())'));
    return { engine: db.engine, name: db.name, kinds, size: { engine: 'postgres', totalBytes: total } };
  }
  return { engine: db.engine, name: db.name, kinds, size: await sqliteSize(db) };
}

async function kindStats(db: Sql, k: (typeof STORE_KINDS)[number], exact: boolean): Promise<KindStats> {
  const { kind, table, time } = k;
  let rows: number;
  let oldest: string | null;
  let estimated = false;
  // Two subqueries: SQLite answers a lone MIN(id) or MAX(id) from the index, but `MAX(id) - MIN(id)` in one SELECT scans.
  const span = k.id && !exact
    ? await db.get<{ lo: number | null; hi: number | null }>(`SELECT (SELECT MIN(id) FROM ${table}) AS lo, (SELECT MAX(id) FROM ${table}) AS hi`)
    : undefined;
  if (span && span.lo !== null && span.hi !== null && span.hi - span.lo + 1 > ESTIMATE_ABOVE) {
    estimated = true;
    rows = span.hi - span.lo + 1;
    oldest = (await db.value<string>(`SELECT ${time} FROM ${table} WHERE id = ?`, [span.lo])) ?? null;
  } else if (span && span.lo === null) {
    rows = 0;
    oldest = null;
  } else {
    const r = await db.get<{ n: number; oldest: string | null }>(`SELECT COUNT(*) AS n, MIN(${time}) AS oldest FROM ${table}`);
    rows = Number(r?.n ?? 0);
    oldest = r?.oldest ?? null;
  }
  const stats: KindStats = { kind, table, rows, estimated, oldest, bytes: null };
  const detail = async (where: string) => (estimated ? null : Number(await db.value(`SELECT COUNT(*) FROM ${table} WHERE ${where}`)));
  if (kind === 'alerts') stats.resolved = await detail(`status = 'resolved'`);
  if (kind === 'outbox') stats.delivered = await detail('delivered_at IS NOT NULL');
  return stats;
}

async function sqliteSize(db: Sql): Promise<StoreSize> {
  const file = (await db.value<string>(`SELECT file FROM pragma_database_list WHERE name = 'main'`)) ?? '';
  const p = (await db.get<{ page_size: number; page_count: number; freelist_count: number }>(
    'SELECT * FROM pragma_page_size, pragma_page_count, pragma_freelist_count',
  ))!;
  const pageSize = Number(p.page_size);
  const pages = Number(p.page_count);
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0; // no WAL file yet, or it was just checkpointed away
    }
  };
  const fileBytes = file ? size(file) : pages * pageSize;
  const walBytes = file ? size(`${file}-wal`) : 0;
  return { engine: 'sqlite', file, fileBytes, walBytes, pageSize, pages, freePages: Number(p.freelist_count), totalBytes: fileBytes + walBytes };
}

/** `3.6 GiB`: for people; --json has the bytes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** The `opsbridge db stats` table: one line per kind, then where the bytes are. */
export function formatStoreStats(s: StoreStats, timeZone: string): string[] {
  const count = (n: number, estimated: boolean) => (estimated ? '~' : '') + n.toLocaleString('en-US');
  const rows = s.kinds.map((k) => {
    const notes: string[] = [];
    if (k.resolved !== undefined && k.resolved !== null) notes.push(`${count(k.resolved, false)} resolved`);
    if (k.delivered !== undefined && k.delivered !== null) notes.push(`${count(k.delivered, false)} delivered`);
    return [k.kind, count(k.rows, k.estimated), k.oldest ? formatTime(k.oldest, timeZone) : '-', ...(s.engine === 'postgres' ? [k.bytes === null ? '-' : formatBytes(k.bytes)] : []), notes.join(', ')];
  });
  const head = ['kind', 'rows', 'oldest', ...(s.engine === 'postgres' ? ['size'] : []), ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Numbers and sizes right-aligned; names, times and notes left.
  const right = new Set(s.engine === 'postgres' ? [1, 3] : [1]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [`${s.name} (${s.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'})`, line(head), ...rows.map(line)];
  const z = s.size;
  if (z.engine === 'sqlite') {
    out.push(
      `on disk: ${formatBytes(z.totalBytes)} (file ${formatBytes(z.fileBytes)}, WAL ${formatBytes(z.walBytes)}); ` +
        `${z.pages.toLocaleString('en-US')} pages of ${z.pageSize} B = ${formatBytes(z.pages * z.pageSize)}, ` +
        `${z.freePages.toLocaleString('en-US')} free (${formatBytes(z.freePages * z.pageSize)})`,
    );
  } else {
    out.push(`on disk: ${formatBytes(z.totalBytes)} (pg_database_size)`);
  }
  if (s.kinds.some((k) => k.estimated)) out.push('~ estimated from the id range: highest id - lowest id + 1 (without --estimate every row is counted)');
  return out;
}
