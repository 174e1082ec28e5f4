import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type DB = Database.Database;

/**
 * Opens the one database file that holds everything. WAL lets the HTTP API
 * and `opsbridge run` read while the bot writes; the busy timeout lets a
 * second process (a git hook, `opsbridge run`) wait for a lock instead of
 * failing.
 */
export function openDatabase(path: string, opts: { readonly?: boolean } = {}): DB {
  if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Only a file with no tables yet can take this: it lets retention hand
  // freed pages back to the file system a slice at a time (src/domain/retention/).
  if (!opts.readonly && db.pragma('page_count', { simple: true }) === 0) db.pragma('auto_vacuum = INCREMENTAL');
  if (!opts.readonly && db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
  // Safe with WAL: a crash loses no committed transaction, only durability
  // against power loss of the last few, and commits stay fast under storms.
  db.pragma('synchronous = NORMAL');
  // Checkpoint every ~40 MB of WAL rather than 4 MB: a storm rewrites the same
  // pages, and each checkpoint copies a page once however often it changed.
  if (!opts.readonly) db.pragma('wal_autocheckpoint = 10000');
  return db;
}
