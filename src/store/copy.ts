import { UserError } from '../errors.js';
import type { SqliteSql } from './sqlite.js';
import type { Sql } from './sql.js';

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

export interface CopyReport {
  /** Per table: rows read, and rows the target did not have yet. */
  tables: { table: string; rows: number; copied: number }[];
}

/**
 * Filled by the target's own triggers from the rows copied (PostgreSQL's
 * tsvector index, SQLite's FTS5 table), or written by migrations.
 */
const DERIVED = new Set(['schema_migrations', 'ticket_search', 'log_search', 'log_search_pending', 'server_word_counts']);
/** PostgreSQL caps one statement at 65,535 parameters. */
const MAX_PARAMS = 60_000;

/**
 * Copies every row of an SQLite store into another store (a PostgreSQL one,
 * for a redundant pair) of the same schema version. Rows the target already
 * has are skipped (`ON CONFLICT DO NOTHING`), so a second run changes
 * nothing, and an interrupted one can simply be run again. Ids are kept, so
 * `#42` is still ticket 42, and the target's id sequences move past them.
 */
export async function copyStore(from: SqliteSql, to: Sql, onProgress?: (p: CopyProgress) => void): Promise<CopyReport> {
  await sameSchema(from, to);
  const report: CopyReport = { tables: [] };
  for (const table of tablesInForeignKeyOrder(from)) {
    const columns = (from.raw.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[]);
    const total = from.raw.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    const perBatch = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / columns.length)));
    const names = columns.map((c) => `"${c}"`).join(', ');
    let done = 0;
    let copied = 0;
    let batch: unknown[][] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const row = `(${columns.map(() => '?').join(', ')})`;
      const r = await to.run(`INSERT INTO ${table} (${names}) VALUES ${batch.map(() => row).join(', ')} ON CONFLICT DO NOTHING`, batch.flat());
      copied += r.changes;
      done += batch.length;
      batch = [];
      onProgress?.({ table, done, total });
    };
    onProgress?.({ table, done: 0, total });
    // Read in rowid order through a cursor: a year of log lines does not fit in memory at once.
    for (const r of from.raw.prepare(`SELECT ${names} FROM ${table}`).raw().iterate() as Iterable<unknown[]>) {
      batch.push(r);
      if (batch.length >= perBatch) await flush();
    }
    await flush();
    if (to.engine === 'postgres' && columns.includes('id')) {
      // The next id is one past the highest row (1 for an empty table: `setval(seq, 1)` alone would make it 2).
      await to.value(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE((SELECT MAX(id) FROM ${table}), 0) + 1, false)`);
    }
    report.tables.push({ table, rows: total, copied });
  }
  return report;
}

async function sameSchema(from: Sql, to: Sql): Promise<void> {
  const names = (db: Sql) => db.column<string>('SELECT name FROM schema_migrations ORDER BY name');
  const [a, b] = [await names(from), await names(to)];
  if (a.join() !== b.join()) {
    throw new UserError(`the two stores are at different schema versions (${a.at(-1) ?? 'none'} in ${from.name}, ${b.at(-1) ?? 'none'} in ${to.name}): run the same opsbridge version on both`);
  }
}

/** Tables a row can be copied into once the rows it references are there. */
function tablesInForeignKeyOrder(db: SqliteSql): string[] {
  const tables = (db.raw
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[]).filter((t) => !DERIVED.has(t) && !t.startsWith('ticket_search_') && !t.startsWith('log_search_'));
  const deps = new Map(tables.map((t) => [t, (db.raw.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(t) as string[]).filter((d) => d !== t)]));
  const ordered: string[] = [];
  const visit = (t: string) => {
    if (ordered.includes(t)) return;
    for (const d of deps.get(t) ?? []) visit(d);
    ordered.push(t);
  };
  for (const t of tables) visit(t);
  return ordered;
}
