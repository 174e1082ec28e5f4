import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, realpathSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { UserError } from '../errors.js';

export interface BackupOptions {
  /** Replace an existing file. */
  force?: boolean;
  onProgress?: (donePages: number, totalPages: number) => void;
  /** Stops the backup between two steps; the destination is not written. */
  signal?: AbortSignal;
  /** Pages copied per step (between steps the CLI redraws its bar). */
  pagesPerStep?: number;
}

export interface BackupReport {
  /** The backup, as an absolute path. */
  file: string;
  bytes: number;
  pages: number;
  ms: number;
}

/** Thrown when `signal` aborted the backup: nothing was written. */
export class BackupInterrupted extends Error {
  override readonly name = 'BackupInterrupted';
}

/**
 * Copies a live SQLite database to `dest` with SQLite's online backup API.
 *
 * The copy is one snapshot: a read transaction stays open on `source` for the
 * whole backup. Without it, each step reads the newest data and SQLite starts
 * the backup over whenever another connection (the running bot) commits, so
 * under steady ingest a large backup would never finish. In WAL mode the
 * snapshot does not hold up the bot's writes; it only keeps checkpoints from
 * going past it, so the WAL grows by what is written during the backup.
 *
 * The pages go to a temporary file next to `dest`, which is renamed into
 * place at the end: a failed or interrupted backup never leaves a partial
 * `dest`, and an older backup at `dest` stays intact until the new one is
 * complete.
 */
export async function backupSqlite(source: Database.Database, sourceFile: string, dest: string, opts: BackupOptions = {}): Promise<BackupReport> {
  const started = Date.now();
  const target = resolve(dest);
  const dir = dirname(target);
  checkTarget(sourceFile, target, opts.force ?? false);

  const tmp = join(dir, `${basename(target)}.partial-${process.pid}-${randomBytes(3).toString('hex')}`);
  // Created here, not by SQLite, so that an unwritable place fails with a clear reason before any work.
  try {
    closeSync(openSync(tmp, 'wx', statSync(sourceFile).mode & 0o666));
  } catch (err) {
    throw new UserError(`cannot write ${dest}: ${whyNotWritable(err, dir)}`);
  }
  const cleanup = () => {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  };

  try {
    source.exec('BEGIN');
    let total = 0;
    try {
      // BEGIN is deferred: the first read is what takes the snapshot.
      source.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      const step = opts.pagesPerStep ?? 1024;
      const r = await source.backup(tmp, {
        progress: ({ totalPages, remainingPages }) => {
          if (opts.signal?.aborted) throw new BackupInterrupted('backup interrupted');
          total = totalPages;
          opts.onProgress?.(totalPages - remainingPages, totalPages);
          return step;
        },
      });
      total = r.totalPages;
    } finally {
      if (source.inTransaction) source.exec('COMMIT');
    }
    if (opts.signal?.aborted) throw new BackupInterrupted('backup interrupted');
    opts.onProgress?.(total, total);
    place(tmp, target, dest, opts.force ?? false);
    syncDir(dir);
    return { file: target, bytes: statSync(target).size, pages: total, ms: Date.now() - started };
  } catch (err) {
    cleanup();
    if (err instanceof UserError || err instanceof BackupInterrupted) throw err;
    throw new UserError(`backup to ${dest} failed: ${oneLine(err)}`);
  }
}

function checkTarget(sourceFile: string, target: string, force: boolean): void {
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(target);
  } catch {
    /* a new file: the usual case */
  }
  if (existing?.isDirectory()) throw new UserError(`${target} is a directory: give the backup's file name, e.g. ${join(target, 'opsbridge.db')}`);
  // Renaming over the live database (or its WAL) would destroy it, --force or not.
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      try {
        return join(realpathSync(dirname(p)), basename(p));
      } catch {
        return resolve(p);
      }
    }
  };
  const src = real(sourceFile);
  if ([src, `${src}-wal`, `${src}-shm`, `${src}-journal`].includes(real(target))) {
    throw new UserError(`${target} is the database itself: back it up to another file`);
  }
  if (existing && !force) throw new UserError(`${target} exists: remove it, choose another name, or add --force to replace it`);
}

/** Moves the finished copy to `target`; without `force`, never over a file that appeared meanwhile. */
function place(tmp: string, target: string, dest: string, force: boolean): void {
  if (force) {
    renameSync(tmp, target);
    return;
  }
  try {
    // link() fails if the name exists, where rename() would silently replace it.
    linkSync(tmp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${dest} appeared while backing up: add --force to replace it`);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'].includes(code ?? '')) throw err;
    // A file system without hard links: the check-then-rename race is the best it allows.
    try {
      statSync(target);
      throw new UserError(`${dest} appeared while backing up: add --force to replace it`);
    } catch (e) {
      if (e instanceof UserError) throw e;
    }
    renameSync(tmp, target);
    return;
  }
  unlinkSync(tmp);
}

/** A rename is durable once its directory is on disk. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not every platform can fsync a directory; the file itself is synced by SQLite */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function whyNotWritable(err: unknown, dir: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `no such directory ${dir}`;
    case 'ENOTDIR':
      return `${dir} is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied in ${dir}`;
    case 'EROFS':
      return `${dir} is on a read-only file system`;
    case 'ENOSPC':
      return `no space left in ${dir}`;
    default:
      return oneLine(err);
  }
}

function oneLine(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const msg = err instanceof Error ? err.message : String(err);
  return (e.code && !msg.includes(e.code) ? `${msg} (${e.code})` : msg).split('\n')[0]!;
}

/**
 * The one line `db backup` answers on PostgreSQL: the pg_dump command for
 * this database, with host, port, user and name from the URL and never its
 * password.
 */
export function pgDumpHint(url: string): string {
  let host = '';
  let port = '';
  let user = '';
  let db = '';
  try {
    const u = new URL(url);
    host = decodeURIComponent(u.hostname) || u.searchParams.get('host') || '';
    port = u.port;
    user = decodeURIComponent(u.username);
    db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  } catch {
    /* the command still says what to use */
  }
  const where = `${host || 'localhost'}${port ? ':' + port : ''}/${db || '(default database)'}`;
  const args = [host && `-h ${host}`, port && `-p ${port}`, user && `-U ${user}`, '-Fc -f FILE', db].filter(Boolean).join(' ');
  return `db backup copies an SQLite file, and this store is PostgreSQL (${where}): use pg_dump ${args}`;
}
