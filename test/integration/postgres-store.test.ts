import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FatalError } from '../../src/errors.js';
import { migrationsDir } from '../../src/paths.js';
import { readMigrations } from '../../src/store/migrate.js';
import { openMigratedStore, openStore } from '../../src/store/open.js';
import { StoreUnavailableError, type Sql } from '../../src/store/sql.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { rejectedBy } from '../helpers/thrown.js';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

/** The PostgreSQL store on a real server: the dialect layer, migrations, and the failures a user meets. */
describe('the PostgreSQL store', () => {
  let pg: Postgres;
  const open: Sql[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const db of open) await db.close().catch(() => {});
    await pg?.stop();
  });
  async function migrated(url?: string): Promise<Sql> {
    const { db } = await openMigratedStore(url ?? (await pg.createDatabase()));
    open.push(db);
    return db;
  }

  it('applies every migration once, and a second start applies nothing', async () => {
    const url = await pg.createDatabase();
    const first = await openMigratedStore(url);
    open.push(first.db);
    expect(first.migrations.applied).toEqual(readMigrations(migrationsDir('postgres')).map((m) => m.name));
    const again = await openMigratedStore(url);
    open.push(again.db);
    expect(again.migrations).toEqual({ applied: [], alreadyApplied: first.migrations.applied.length });
  });

  it('two nodes starting at once apply the migrations once between them', async () => {
    const url = await pg.createDatabase();
    const [a, b] = await Promise.all([openMigratedStore(url), openMigratedStore(url)]);
    open.push(a.db, b.db);
    const all = readMigrations(migrationsDir('postgres')).length;
    expect([a.migrations.applied.length, b.migrations.applied.length].sort()).toEqual([0, all]);
    expect(await a.db.value('SELECT COUNT(*) FROM schema_migrations')).toBe(all);
  });

  it('refuses a database with a newer schema, naming both versions, and changes nothing', async () => {
    const url = await pg.createDatabase();
    const db = await migrated(url);
    await db.run("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('9999_from_the_future.sql', 'x', 'now')");
    const err = await rejectedBy(FatalError, openMigratedStore(url));
    expect(err.message).toContain('9999_from_the_future.sql');
    expect(err.message).toMatch(/schema 9999, this opsbridge knows up to \d{4}/);
    expect(err.exitCode).toBe(1);
  });

  it('wrong credentials: one line naming host and database, never the password', async () => {
    const url = (await pg.createDatabase()).replace(`:${pg.password}@`, ':not-the-password-7d1e@');
    const err = await rejectedBy(FatalError, openMigratedStore(url));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/^cannot open database 127\.0\.0\.1:\d+\/\w+: password authentication failed/);
    expect(err.message).not.toContain('not-the-password');
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('an unreachable server: one line, and calls fail as StoreUnavailableError', async () => {
    const url = `postgres://${pg.user}:${pg.password}@127.0.0.1:1/nothing`;
    const err = await rejectedBy(FatalError, openMigratedStore(url));
    expect(err.message).toMatch(/^cannot open database 127\.0\.0\.1:1\/nothing: .*ECONNREFUSED/);
    expect(err.message).not.toContain(pg.password);
    const db = await openStore(url);
    await rejectedBy(StoreUnavailableError, db.all('SELECT 1'));
    await db.close();
  });

  it('`opsbridge start`: an unreachable database is exit 1 in one line without the password; another URL scheme is exit 2 and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsbridge-pgcli-'));
    try {
      writeFileSync(join(dir, 'down.yaml'), `database: postgres://${pg.user}:${pg.password}@127.0.0.1:1/opsbridge\nhttp: { listen: "127.0.0.1:0" }\n`);
      const down = await runCli(['-c', 'down.yaml', 'start'], { cwd: dir });
      expect(down.code).toBe(1);
      expect(down.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cannot open database 127\.0\.0\.1:1\/opsbridge: .*ECONNREFUSED/)]);
      expect(down.stderr + down.stdout).not.toContain(pg.password);

      writeFileSync(join(dir, 'mysql.yaml'), 'database: mysql://ops:hunter2@db1/ops\n');
      const other = await runCli(['-c', 'mysql.yaml', 'start'], { cwd: dir });
      expect(other.code).toBe(2);
      expect(other.stderr.trim()).toBe("mysql.yaml: database: unsupported URL scheme 'mysql://': use a file path for SQLite, or postgres://user@host/database");
      expect(other.stderr).not.toContain('hunter2');
      // Not taken as a path: no directory named `mysql:` appeared.
      expect(readdirSync(dir).sort()).toEqual(['down.yaml', 'mysql.yaml']);

      // $OPSBRIDGE_DATABASE_URL names the store without the config file.
      const env = await runCli(['migrate'], { cwd: dir, env: { OPSBRIDGE_DATABASE_URL: await pg.createDatabase() } });
      expect(env.code).toBe(0);
      expect(env.stdout).toMatch(/^applied 0001_init\.sql, /);
      expect(readdirSync(dir).sort()).toEqual(['down.yaml', 'mysql.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('speaks the SQLite spelling the modules write: ? and @name, LIKE, NOCASE, glob, token_glob, instr', async () => {
    const db = await migrated();
    const now = '2026-12-07T00:00:00Z';
    for (const [name, roles] of [['Web01', 'blog:app lb'], ['web02', 'blog:app'], ['db01', 'db:master']]) {
      await db.insert('INSERT INTO servers (name, roles, created_at, updated_at) VALUES (?, ?, ?, ?)', [name, roles, now, now]);
    }
    expect(await db.value('SELECT name FROM servers WHERE name = ? COLLATE NOCASE', ['WEB01'])).toBe('Web01');
    expect(await db.column('SELECT name FROM servers WHERE name LIKE @p ORDER BY name COLLATE NOCASE', { p: 'web%' })).toEqual(['Web01', 'web02']);
    expect(await db.column("SELECT name FROM servers WHERE glob(?, lower(name)) ORDER BY id", ['web0[2-9]'])).toEqual(['web02']);
    expect(await db.column('SELECT name FROM servers WHERE token_glob(roles, ?) ORDER BY id', ['LB'])).toEqual(['Web01']);
    expect(await db.column("SELECT name FROM servers WHERE instr(' ' || roles || ' ', ' db:master ') > 0")).toEqual(['db01']);
    expect(await db.value("SELECT COUNT(*) FROM servers WHERE name = 'it''s ? not a @param'")).toBe(0);
    await expect(db.run('INSERT INTO servers (name, created_at, updated_at) VALUES (?, ?, ?)', ['WEB02', now, now])).rejects.toThrow(/duplicate key/);
  });

  it('transactions commit, roll back, and nest as savepoints on one connection', async () => {
    const db = await migrated();
    const now = '2026-12-07T00:00:00Z';
    const add = (name: string) => db.run('INSERT INTO servers (name, created_at, updated_at) VALUES (?, ?, ?)', [name, now, now]);
    await db.tx(async () => {
      await add('kept');
      await db.tx(async () => add('also-kept'));
      await db.tx(async () => {
        await add('undone');
        throw new Error('inner');
      }).catch(() => {});
    });
    await expect(db.tx(async () => {
      await add('rolled-back');
      throw new Error('outer');
    })).rejects.toThrow('outer');
    expect(await db.column('SELECT name FROM servers ORDER BY name')).toEqual(['also-kept', 'kept']);
  });

  it('work started inside a transaction that runs after it ended gets a connection of its own', async () => {
    const db = await migrated();
    const now = '2026-12-07T00:00:00Z';
    // A listener fired inside a transaction (the outbox's wake-up) keeps its async context.
    let later!: Promise<unknown>;
    await db.tx(async () => {
      await db.run('INSERT INTO servers (name, created_at, updated_at) VALUES (?, ?, ?)', ['inside', now, now]);
      later = new Promise((resolve, reject) => setTimeout(() => db.tx(() => db.run('INSERT INTO servers (name, created_at, updated_at) VALUES (?, ?, ?)', ['after', now, now])).then(resolve, reject), 50));
    });
    await later;
    expect(await db.column('SELECT name FROM servers ORDER BY name')).toEqual(['after', 'inside']);
  });
});
