import { FatalError } from '../errors.js';
import { migrationsDir } from '../paths.js';
import { migrate, readMigrations, type MigrationResult } from './migrate.js';
import type { Sql } from './sql.js';
import { openSqlite } from './sqlite.js';

/** `postgres://` and `postgresql://` name a PostgreSQL database; anything else is an SQLite file path. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

export interface OpenOptions {
  onError?: (message: string) => void;
  /** Pool size on PostgreSQL. */
  max?: number;
}

/**
 * The store the config names, not yet migrated. The PostgreSQL driver is
 * loaded only for a postgres:// URL: an SQLite install never pays its memory.
 */
export async function openStore(database: string, opts: OpenOptions = {}): Promise<Sql> {
  if (!isPostgresUrl(database)) return openSqlite(database);
  const { PostgresSql } = await import('./postgres.js');
  return new PostgresSql(database, opts);
}

/**
 * Opens the store and brings its schema up to date, or fails with one line
 * that names the database (host and database, never a password): exit 1.
 */
export async function openMigratedStore(database: string, opts: OpenOptions = {}): Promise<{ db: Sql; migrations: MigrationResult }> {
  const db = await openStore(database, opts);
  try {
    const migrations = await migrate(db, readMigrations(migrationsDir(db.engine)));
    return { db, migrations };
  } catch (err) {
    await db.close().catch(() => {});
    if (err instanceof FatalError) throw err;
    throw new FatalError(`cannot open database ${db.name}: ${oneLine(err)}`, 1);
  }
}

function oneLine(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const msg = cause instanceof Error && cause.message ? cause.message : err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!;
}
