import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FatalError } from '../errors.js';
import type { Sql } from './sql.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

interface Applied {
  name: string;
  checksum: string;
}

const FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;

/**
 * Two nodes starting at once on one PostgreSQL must not both apply a
 * migration: the first takes this transaction-scoped advisory lock, the
 * second waits for it and then finds nothing left to do. (On SQLite the
 * IMMEDIATE transaction is the lock.)
 */
const MIGRATION_LOCK = 0x6f707362; // "opsb"

/** Reads `NNNN_description.sql` files in name order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => FILE_PATTERN.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: sha256(sql) };
    });
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Applies pending migrations in one transaction. Every check runs before the
 * first write, so a database that is newer than the code, or whose applied
 * migrations were edited, is left exactly as it was.
 */
export async function migrate(db: Sql, migrations: readonly Migration[]): Promise<MigrationResult> {
  const before = await appliedMigrations(db);
  const pendingBefore = check(db, migrations, before);
  if (pendingBefore.length === 0) return { applied: [], alreadyApplied: before.length };

  return db.tx(async () => {
    if (db.engine === 'postgres') await db.value('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    // Read again under the lock: another node may have just applied them.
    const applied = await appliedMigrations(db);
    const pending = check(db, migrations, applied);
    await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name TEXT PRIMARY KEY,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    for (const m of pending) {
      try {
        await db.exec(m.sql);
      } catch (err) {
        throw new FatalError(`migration ${m.name} failed: ${(err as Error).message}; nothing was applied`, 1);
      }
      await db.run('INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)', [m.name, m.checksum, new Date().toISOString()]);
    }
    return { applied: pending.map((m) => m.name), alreadyApplied: applied.length };
  });
}

async function appliedMigrations(db: Sql): Promise<Applied[]> {
  const tracked =
    db.engine === 'postgres'
      ? await db.value("SELECT to_regclass('schema_migrations') IS NOT NULL")
      : await db.value("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  return tracked ? db.all<Applied>('SELECT name, checksum FROM schema_migrations ORDER BY name') : [];
}

/** Refuses a database newer than the code or with edited migrations; returns what is left to apply. */
function check(db: Sql, migrations: readonly Migration[], applied: readonly Applied[]): Migration[] {
  const known = new Map(migrations.map((m) => [m.name, m]));
  const unknown = applied.filter((a) => !known.has(a.name)).map((a) => a.name);
  if (unknown.length > 0) {
    const newest = applied[applied.length - 1]!.name;
    const ours = migrations[migrations.length - 1]?.name ?? 'none';
    throw new FatalError(
      `database ${db.name} has migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that this version of opsbridge does not know: ` +
        `the database is newer than the code (schema ${schemaVersion(newest)}, this opsbridge knows up to ${schemaVersion(ours)}). ` +
        'Upgrade opsbridge or point it at another database; nothing was changed.',
      1,
    );
  }
  for (const a of applied) {
    const m = known.get(a.name)!;
    if (m.checksum !== a.checksum) {
      throw new FatalError(
        `migration ${a.name} was edited after it was applied (checksum ${a.checksum.slice(0, 12)} in the database, ` +
          `${m.checksum.slice(0, 12)} on disk). Migrations are forward-only: restore the file and add a new migration instead.`,
        1,
      );
    }
  }
  const done = new Set(applied.map((a) => a.name));
  return migrations.filter((m) => !done.has(m.name));
}

/** `0007_lease.sql` → `0007`. */
function schemaVersion(name: string): string {
  return name.slice(0, 4);
}
