import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { BackupInterrupted, backupSqlite } from '../../src/store/backup.js';
import { openDatabase } from '../../src/store/database.js';
import { openMigratedStore } from '../../src/store/open.js';
import { CLI, RunningBot, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

/**
 * `opsbridge db backup FILE` (issue 16): SQLite's online backup of the live
 * database, taken while the running bot keeps storing log lines, then
 * opened and checked; and everything that must leave no file behind.
 */

const TOKEN = 'backup-token-0123456789';

/** Adds `n` log lines (about 200 bytes each) straight into the file, in one transaction. */
function addLines(file: string, n: number, receivedAt = '2026-11-25T12:00:00.000Z'): void {
  const db = new Database(file);
  try {
    db.prepare(
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
       INSERT INTO log_lines (source, host, level, message, ts, received_at, malformed)
       SELECT 'seed', 'web' || (i % 100), 'info', printf('seeded line %d %s', i, hex(randomblob(80))), NULL, ?, 0 FROM seq`,
    ).run(n, receivedAt);
  } finally {
    db.close();
  }
}

/** The backup's own verdict on itself, its log line ids, and its migrations. */
function inspect(file: string): { integrity: string[]; ids: number[]; migrations: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      integrity: db.prepare('PRAGMA integrity_check').pluck().all() as string[],
      ids: db.prepare('SELECT id FROM log_lines ORDER BY id').pluck().all() as number[],
      migrations: db.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

/** Leftovers of a backup that failed: the partial copy and SQLite's journal files. */
const partials = (dir: string) => readdirSync(dir).filter((f) => f.includes('.partial-'));

let dir: string;
let database: string;
let config: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-backup-'));
  database = join(dir, 'data', 'opsbridge.db');
  const { db } = await openMigratedStore(database);
  await db.close();
  // Some 100 MB: the backup takes many steps, while the bot writes.
  addLines(database, 400_000);
  config = join(dir, 'opsbridge.yaml');
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('opsbridge db backup while the bot runs', () => {
  it('writes a consistent copy: integrity ok, every acknowledged batch whole or absent, the bot unaffected', async () => {
    const port = await freePort();
    writeFileSync(config, [`database: ${database}`, 'log: { level: warn }', `http: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }`, 'logs: { default: [] }'].join('\n'));
    const bot = RunningBot.start(['-c', config, 'start'], { cwd: dir });
    try {
      await bot.waitFor(/opsbridge is running/, 20_000);
      // Writers: each request is a batch of 20 lines, committed together.
      const batches: Array<{ ids: number[]; at: number }> = [];
      let stop = false;
      let n = 0;
      const writers = Array.from({ length: 3 }, async () => {
        while (!stop) {
          const lines = Array.from({ length: 20 }, () => ({ source: 'api', host: 'web01', level: 'info', message: `live line ${n++}` }));
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(lines) });
          expect(res.status).toBe(202);
          batches.push({ ids: ((await res.json()) as { ids: number[] }).ids, at: Date.now() });
        }
      });
      while (batches.length < 20) await new Promise((r) => setTimeout(r, 10));

      const file = join(dir, 'backup.db');
      const before = batches.length;
      const started = Date.now();
      const r = await runCli(['-c', config, 'db', 'backup', file], { cwd: dir });
      const ended = Date.now();
      const during = batches.filter((b) => b.at > started && b.at < ended).length;
      stop = true;
      await Promise.all(writers);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^backed up ${database} to ${file}: \\d+ MiB, \\d+ pages, in \\d+\\.\\d s\\n$`));
      expect(during, 'the bot kept storing lines during the backup').toBeGreaterThan(0);
      expect(partials(dir)).toEqual([]);

      const copy = inspect(file);
      expect(copy.integrity).toEqual(['ok']);
      expect(copy.migrations).toEqual(inspect(database).migrations);
      // One snapshot: ids 1..N without a hole, every batch acknowledged before the backup started, no batch in part.
      expect(copy.ids[0]).toBe(1);
      expect(copy.ids.at(-1)).toBe(copy.ids.length);
      const inCopy = new Set(copy.ids);
      expect(copy.ids.length).toBeGreaterThanOrEqual(400_000 + before * 20);
      for (const b of batches.slice(0, before)) for (const id of b.ids) expect(inCopy.has(id)).toBe(true);
      for (const b of batches) expect(new Set(b.ids.map((id) => inCopy.has(id))).size, `batch ${b.ids[0]}: all or nothing`).toBe(1);

      // The copy is a store a bot can start on: nothing to migrate.
      const { db, migrations } = await openMigratedStore(file);
      expect(migrations.applied).toEqual([]);
      expect(await db.value("SELECT COUNT(*) FROM log_lines WHERE source = 'seed'")).toBe(400_000);
      await db.close();

      // And the bot went on: it still answers.
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify([{ source: 'api', host: 'web01', level: 'info', message: 'after' }]) });
      expect(res.status).toBe(202);
    } finally {
      expect(await bot.stop()).toBe(0);
    }
  }, 120_000);

  it('Ctrl-C during the backup removes the partial copy and writes no FILE', async () => {
    const file = join(dir, 'interrupted.db');
    // The backup of 100 MB takes a few hundred ms: the signal goes as soon as the partial copy exists.
    for (let attempt = 0; ; attempt++) {
      const child = spawn(process.execPath, [CLI, '-c', config, 'db', 'backup', file], { cwd: dir });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      let done = false;
      void exited.then(() => (done = true));
      while (!done && partials(dir).length === 0) await new Promise((r) => setTimeout(r, 2));
      if (!done) child.kill('SIGINT');
      const code = await exited;
      if (code === 0 && attempt < 3) {
        rmSync(file); // it finished before the signal: try again
        continue;
      }
      expect(code).toBe(130);
      expect(stderr).toBe(`opsbridge: backup interrupted: ${file} was not written\n`);
      expect(existsSync(file)).toBe(false);
      expect(partials(dir)).toEqual([]);
      break;
    }
  }, 60_000);
});

describe('opsbridge db backup refuses, leaving nothing behind', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(config, `database: ${database}\n`);
  });
  const backup = (...args: string[]) => runCli(['-c', config, 'db', 'backup', ...args], { cwd });

  it('a directory that does not exist', async () => {
    const file = join(cwd, 'no', 'such', 'dir', 'b.db');
    const r = await backup(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opsbridge: cannot write ${file}: no such directory ${join(cwd, 'no', 'such', 'dir')}\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(join(cwd, 'no'))).toBe(false);
  });

  it('a path under a regular file', async () => {
    writeFileSync(join(cwd, 'plain.txt'), 'x');
    const file = join(cwd, 'plain.txt', 'b.db');
    const r = await backup(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opsbridge: cannot write ${file}: ${join(cwd, 'plain.txt')} is not a directory\n`);
  });

  it.skipIf(process.getuid?.() === 0)('a directory it may not write to', async () => {
    const locked = join(cwd, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const r = await backup(join(locked, 'b.db'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opsbridge: cannot write ${join(locked, 'b.db')}: permission denied in ${locked}\n`);
    expect(readdirSync(locked)).toEqual([]);
  });

  it('an existing file, unless --force; --force replaces it whole', async () => {
    const file = join(cwd, 'existing.db');
    writeFileSync(file, 'last week');
    const r = await backup(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opsbridge: ${file} exists: remove it, choose another name, or add --force to replace it\n`);
    expect(readFileSync(file, 'utf8')).toBe('last week');

    const forced = await backup(file, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(inspect(file).integrity).toEqual(['ok']);
    expect(partials(cwd)).toEqual([]);
  }, 60_000);

  it('a directory as FILE, and the database itself even with --force', async () => {
    const asDir = await backup(cwd);
    expect(asDir.code).toBe(1);
    expect(asDir.stderr).toBe(`opsbridge: ${cwd} is a directory: give the backup's file name, e.g. ${join(cwd, 'opsbridge.db')}\n`);
    for (const target of [database, `${database}-wal`]) {
      const r = await backup(target, '--force');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`opsbridge: ${target} is the database itself: back it up to another file\n`);
    }
    expect(inspect(database).integrity).toEqual(['ok']);
  });

  it('no database yet', async () => {
    const missing = join(cwd, 'missing.yaml');
    writeFileSync(missing, `database: ${join(cwd, 'none.db')}\n`);
    const r = await runCli(['-c', missing, 'db', 'backup', join(cwd, 'b.db')], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opsbridge: no database at ${join(cwd, 'none.db')}: nothing to back up\n`);
    expect(existsSync(join(cwd, 'none.db'))).toBe(false);
  });

  it('PostgreSQL: exit 2 and the pg_dump command, never the password', async () => {
    const pg = join(cwd, 'pg.yaml');
    writeFileSync(pg, 'database: postgres://opsbridge:s3cret-pw@db1.example.net:5433/opsbridge\n');
    const r = await runCli(['-c', pg, 'db', 'backup', join(cwd, 'b.db')], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'opsbridge: db backup copies an SQLite file, and this store is PostgreSQL (db1.example.net:5433/opsbridge): ' +
        'use pg_dump -h db1.example.net -p 5433 -U opsbridge -Fc -f FILE opsbridge\n',
    );
    expect(r.stdout).toBe('');
    expect(existsSync(join(cwd, 'b.db'))).toBe(false);
  });
});

describe('backupSqlite', () => {
  let work: string;
  let file: string;
  beforeAll(async () => {
    work = mkdtempSync(join(dir, 'unit-'));
    file = join(work, 'src.db');
    const { db } = await openMigratedStore(file);
    await db.close();
    addLines(file, 20_000);
  });

  it('copies one snapshot without restarting while another connection commits between its steps', async () => {
    const source = openDatabase(file);
    const writer = openDatabase(file);
    const insert = writer.prepare("INSERT INTO log_lines (source, level, message, received_at) VALUES ('live', 'info', 'x', '2026-11-25T12:00:00.000Z')");
    const count = () => writer.prepare('SELECT COUNT(*) FROM log_lines').pluck().get() as number;
    let stop = false;
    let writes = 0;
    // Runs between the backup's steps (both go through setImmediate): one commit each turn.
    const loop = () => {
      if (stop) return;
      insert.run();
      writes++;
      setImmediate(loop);
    };
    try {
      const rowsBefore = count();
      setImmediate(loop);
      const seen: Array<{ done: number; total: number; writes: number; rows: number }> = [];
      const dest = join(work, 'copy.db');
      const r = await backupSqlite(source, file, dest, { pagesPerStep: 16, onProgress: (done, total) => seen.push({ done, total, writes, rows: count() }) });
      stop = true;
      expect(seen.length).toBeGreaterThan(20);
      // Never back to the start: another connection's commits did not restart it.
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
      expect(new Set(seen.map((s) => s.total)).size).toBe(1);
      expect(seen.at(-1)!.writes - seen[0]!.writes, 'commits between the steps').toBeGreaterThan(10);
      expect(r).toMatchObject({ file: dest, pages: seen[0]!.total });

      const copy = inspect(dest);
      expect(copy.integrity).toEqual(['ok']);
      // The rows as they were when it began, none of those committed during it.
      expect(copy.ids.length).toBe(rowsBefore);
      expect(count()).toBeGreaterThan(rowsBefore + 10);
      expect(copy.ids.at(-1)).toBe(copy.ids.length);
    } finally {
      stop = true;
      source.close();
      writer.close();
    }
  }, 60_000);

  it('an interrupted or failed backup leaves neither FILE nor a partial copy; an old FILE stays as it was', async () => {
    const source = openDatabase(file);
    try {
      const dest = join(work, 'never.db');
      const abort = new AbortController();
      await expect(backupSqlite(source, file, dest, { pagesPerStep: 16, signal: abort.signal, onProgress: () => abort.abort() })).rejects.toBeInstanceOf(BackupInterrupted);
      expect(existsSync(dest)).toBe(false);
      expect(partials(work)).toEqual([]);

      const old = join(work, 'old.db');
      writeFileSync(old, 'the previous backup');
      let steps = 0;
      const failing = backupSqlite(source, file, old, {
        force: true,
        pagesPerStep: 16,
        onProgress: () => {
          if (++steps === 5) throw new Error('disk on fire');
        },
      });
      await expect(failing).rejects.toThrow(new UserError(`backup to ${old} failed: disk on fire`));
      expect(readFileSync(old, 'utf8')).toBe('the previous backup');
      expect(partials(work)).toEqual([]);
      // The source connection is usable afterwards: no transaction left open.
      expect(source.inTransaction).toBe(false);
    } finally {
      source.close();
    }
  });
});
