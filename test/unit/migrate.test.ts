import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FatalError } from '../../src/errors.js';
import { migrationsDir } from '../../src/paths.js';
import { openSqlite, type SqliteSql } from '../../src/store/sqlite.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { rejectedBy } from '../helpers/thrown.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const A = 'CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\n';
// Depends on 0001: fails if the two run out of order.
const B = "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\nINSERT INTO a (v) VALUES ('from 0002');\n";
const C = 'CREATE TABLE c (x TEXT);\n';

let root: string;
let migDir: string;
let dbPath: string;
const open: SqliteSql[] = [];

function db(): SqliteSql {
  const d = openSqlite(dbPath);
  open.push(d);
  return d;
}
function close(d: SqliteSql) {
  d.raw.close();
  open.splice(open.indexOf(d), 1);
}
function writeMigration(name: string, sql: string) {
  writeFileSync(join(migDir, name), sql);
}
function tables(d: SqliteSql): string[] {
  return (d.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}
function recorded(d: SqliteSql): { name: string; checksum: string }[] {
  return d.raw.prepare('SELECT name, checksum FROM schema_migrations ORDER BY name').all() as { name: string; checksum: string }[];
}
/** sha256 of the database file and of its -wal and -shm files (null when absent). */
function fileHashes(): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const suffix of ['', '-wal', '-shm']) {
    const p = dbPath + suffix;
    out[suffix || 'db'] = existsSync(p) ? sha256(readFileSync(p)) : null;
  }
  return out;
}
const fatalOf = (p: Promise<unknown>) => rejectedBy(FatalError, p);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'opsbridge-migrate-'));
  migDir = join(root, 'migrations');
  mkdirSync(migDir);
  dbPath = join(root, 'data', 'test.db');
});
afterEach(() => {
  for (const d of open.splice(0)) if (d.raw.open) d.raw.close();
  rmSync(root, { recursive: true, force: true });
});

describe('readMigrations', () => {
  it('reads NNNN_name.sql files in name order, ignoring everything else, with sha256 checksums', () => {
    // Written out of order on purpose.
    writeMigration('0010_later.sql', C);
    writeMigration('0002_b.sql', B);
    writeMigration('0001_a.sql', A);
    writeMigration('README.md', 'not a migration');
    writeMigration('0003_Upper.sql', 'SELECT 1;');
    writeMigration('3_short.sql', 'SELECT 1;');
    writeMigration('0004_x.sql.bak', 'SELECT 1;');
    const ms = readMigrations(migDir);
    expect(ms.map((m) => m.name)).toEqual(['0001_a.sql', '0002_b.sql', '0010_later.sql']);
    expect(ms.map((m) => m.sql)).toEqual([A, B, C]);
    expect(ms.map((m) => m.checksum)).toEqual([sha256(A), sha256(B), sha256(C)]);
  });
});

describe('migrate', () => {
  it('applies pending migrations in order and records each with its checksum', async () => {
    writeMigration('0002_b.sql', B);
    writeMigration('0001_a.sql', A);
    const d = db();
    const result = await migrate(d, readMigrations(migDir));
    expect(result).toEqual({ applied: ['0001_a.sql', '0002_b.sql'], alreadyApplied: 0 });
    expect(tables(d)).toEqual(['a', 'b', 'schema_migrations']);
    expect(recorded(d)).toEqual([
      { name: '0001_a.sql', checksum: sha256(A) },
      { name: '0002_b.sql', checksum: sha256(B) },
    ]);
    expect(d.raw.prepare('SELECT v FROM a').pluck().all()).toEqual(['from 0002']);
    const at = d.raw.prepare('SELECT applied_at FROM schema_migrations').pluck().all() as string[];
    for (const t of at) expect(Number.isNaN(Date.parse(t))).toBe(false);
  });

  it('a second run applies nothing and changes nothing', async () => {
    writeMigration('0001_a.sql', A);
    writeMigration('0002_b.sql', B);
    const d = db();
    await migrate(d, readMigrations(migDir));
    const before = recorded(d);
    expect(await migrate(d, readMigrations(migDir))).toEqual({ applied: [], alreadyApplied: 2 });
    expect(recorded(d)).toEqual(before);
    // 0002's INSERT did not run twice.
    expect(d.raw.prepare('SELECT count(*) FROM a').pluck().get()).toBe(1);
  });

  it('a run after closing and reopening the file applies only the new migration', async () => {
    writeMigration('0001_a.sql', A);
    const d1 = db();
    await migrate(d1, readMigrations(migDir));
    close(d1);
    writeMigration('0002_b.sql', B);
    const d2 = db();
    expect(await migrate(d2, readMigrations(migDir))).toEqual({ applied: ['0002_b.sql'], alreadyApplied: 1 });
    expect(recorded(d2).map((r) => r.name)).toEqual(['0001_a.sql', '0002_b.sql']);
  });

  it('an empty list of migrations on a fresh database does nothing', async () => {
    const d = db();
    expect(await migrate(d, [])).toEqual({ applied: [], alreadyApplied: 0 });
    expect(tables(d)).toEqual([]);
  });

  it('a migration edited after it was applied is a FatalError naming the file; nothing pending is applied', async () => {
    writeMigration('0001_a.sql', A);
    writeMigration('0002_b.sql', B);
    const d1 = db();
    await migrate(d1, readMigrations(migDir));
    close(d1);
    const before = fileHashes();

    writeMigration('0002_b.sql', B + '-- a harmless-looking comment\n');
    writeMigration('0003_c.sql', C);
    const d2 = db();
    const err = await fatalOf(migrate(d2, readMigrations(migDir)));
    expect(err.message).toContain('0002_b.sql');
    expect(err.message).toMatch(/edited/);
    expect(err.message).not.toContain('0001_a.sql');
    expect(err.exitCode).not.toBe(0);
    expect(tables(d2)).not.toContain('c');
    expect(recorded(d2).map((r) => r.checksum)).toEqual([sha256(A), sha256(B)]);
    close(d2);
    expect(fileHashes()).toEqual(before);
  });

  it('a database with a migration this code does not know is a FatalError, and its files are left byte for byte', async () => {
    writeMigration('0001_a.sql', A);
    writeMigration('0002_b.sql', B);
    const d1 = db();
    await migrate(d1, readMigrations(migDir));
    d1.raw.prepare("INSERT INTO a (v) VALUES ('data')").run();
    d1.raw.pragma('wal_checkpoint(TRUNCATE)');
    close(d1);
    const before = fileHashes();
    expect(before.db).not.toBeNull();

    // Older code: knows 0001 only, and has a pending migration of its own.
    rmSync(join(migDir, '0002_b.sql'));
    writeMigration('0001_z_other.sql', C);
    const d2 = db();
    const err = await fatalOf(migrate(d2, readMigrations(migDir)));
    expect(err.message).toContain('0002_b.sql');
    expect(err.message).toMatch(/newer than the code/);
    expect(err.exitCode).not.toBe(0);
    expect(tables(d2)).not.toContain('c');
    expect(recorded(d2).map((r) => r.name)).toEqual(['0001_a.sql', '0002_b.sql']);
    close(d2);

    expect(fileHashes()).toEqual(before);
  });

  it('names every unknown migration', async () => {
    writeMigration('0001_a.sql', A);
    writeMigration('0002_b.sql', B);
    writeMigration('0003_c.sql', C);
    const d = db();
    await migrate(d, readMigrations(migDir));
    const err = await fatalOf(migrate(d, readMigrations(migDir).slice(0, 1)));
    expect(err.message).toContain('0002_b.sql');
    expect(err.message).toContain('0003_c.sql');
  });

  it('a failing migration rolls back every pending one in the batch (fresh database)', async () => {
    writeMigration('0001_a.sql', A);
    writeMigration('0002_b.sql', B);
    // The first statement succeeds, the second fails: the whole batch must go.
    writeMigration('0003_broken.sql', 'CREATE TABLE c (x TEXT);\nINSERT INTO no_such_table VALUES (1);\n');
    const d = db();
    const err = await fatalOf(migrate(d, readMigrations(migDir)));
    expect(err.message).toContain('0003_broken.sql');
    expect(err.message).toMatch(/no_such_table/);
    expect(tables(d)).toEqual([]);
    close(d);
    // The rollback is on disk too, not just in this connection.
    const d2 = db();
    expect(tables(d2)).toEqual([]);
  });

  it('a failing migration rolls back the pending batch but keeps migrations applied earlier', async () => {
    writeMigration('0001_a.sql', A);
    const d = db();
    await migrate(d, readMigrations(migDir));
    writeMigration('0002_b.sql', B);
    writeMigration('0003_broken.sql', 'CREATE TABLE c (x TEXT);\nCREATE TABLE c (x TEXT);\n');
    const err = await fatalOf(migrate(d, readMigrations(migDir)));
    expect(err.message).toContain('0003_broken.sql');
    expect(tables(d)).toEqual(['a', 'schema_migrations']);
    expect(recorded(d).map((r) => r.name)).toEqual(['0001_a.sql']);
    // 0002's INSERT was rolled back with it.
    expect(d.raw.prepare('SELECT count(*) FROM a').pluck().get()).toBe(0);
    // Fixing the file lets the next run apply both.
    writeMigration('0003_broken.sql', C);
    expect(await migrate(d, readMigrations(migDir))).toEqual({ applied: ['0002_b.sql', '0003_broken.sql'], alreadyApplied: 1 });
    expect(tables(d)).toEqual(['a', 'b', 'c', 'schema_migrations']);
  });
});

describe('the real migrations directory', () => {
  it('applies cleanly to a fresh database and creates the inventory and outbox tables', async () => {
    const ms = readMigrations(migrationsDir('sqlite'));
    expect(ms.length).toBeGreaterThan(0);
    const d = db();
    const result = await migrate(d, ms);
    expect(result.applied).toEqual(ms.map((m) => m.name));
    const t = tables(d);
    for (const name of ['servers', 'server_ips', 'server_status_history', 'outbox', 'schema_migrations']) {
      expect(t).toContain(name);
    }
    // Roles and tags live either in their own tables or as columns of servers.
    const serverColumns = (d.raw.pragma('table_info(servers)') as { name: string }[]).map((c) => c.name);
    for (const [table, column] of [['server_roles', 'roles'], ['server_tags', 'tags']] as const) {
      expect(t.includes(table) || serverColumns.includes(column), `${table} table or servers.${column} column`).toBe(true);
    }
    for (const c of ['id', 'name', 'fqdn', 'status', 'cpu', 'memory_gb', 'notes', 'created_at', 'updated_at']) expect(serverColumns).toContain(c);
    expect(d.raw.pragma('foreign_key_check')).toEqual([]);
    expect(d.raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(await migrate(d, ms)).toEqual({ applied: [], alreadyApplied: ms.length });
  });

  it('every migration file name follows NNNN_name.sql and is unique by number', () => {
    const ms = readMigrations(migrationsDir('sqlite'));
    const numbers = ms.map((m) => m.name.slice(0, 4));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('PostgreSQL has the same migrations, name for name: one schema in two dialects', () => {
    const names = (engine: 'sqlite' | 'postgres') => readMigrations(migrationsDir(engine)).map((m) => m.name);
    expect(names('postgres')).toEqual(names('sqlite'));
  });

  it('opens databases in WAL mode with foreign keys on', async () => {
    const d = db();
    expect(d.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(d.raw.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});
