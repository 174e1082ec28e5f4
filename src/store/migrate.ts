import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FatalError } from '../errors.js';
import type { DB } from './database.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;

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
export function migrate(db: DB, migrations: readonly Migration[]): MigrationResult {
  const tracked = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const applied = tracked
    ? (db.prepare('SELECT name, checksum FROM schema_migrations ORDER BY name').all() as { name: string; checksum: string }[])
    : [];

  const known = new Map(migrations.map((m) => [m.name, m]));
  const unknown = applied.filter((a) => !known.has(a.name)).map((a) => a.name);
  if (unknown.length > 0) {
    throw new FatalError(
      `database ${db.name} has migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that this version of opsbridge does not know: ` +
        'the database is newer than the code. Upgrade opsbridge or point it at another database; nothing was changed.',
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
  const pending = migrations.filter((m) => !done.has(m.name));
  if (pending.length === 0) return { applied: [], alreadyApplied: applied.length };

  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name TEXT PRIMARY KEY,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const record = db.prepare('INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)');
    for (const m of pending) {
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new FatalError(`migration ${m.name} failed: ${(err as Error).message}; nothing was applied`, 1);
      }
      record.run(m.name, m.checksum, new Date().toISOString());
    }
  });
  apply.immediate();
  return { applied: pending.map((m) => m.name), alreadyApplied: applied.length };
}
