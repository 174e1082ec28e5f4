import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCore, type Core } from '../../src/app.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { text } from '../../src/chat/rich-text.js';
import { fixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { importServers } from '../../src/domain/servers/import.js';
import { StoreTailOffsets } from '../../src/ingest/tail-offsets.js';
import { fromGeneric } from '../../src/ingest/alerts/sources.js';
import { DEFAULT_HOST_LABELS } from '../../src/domain/alerts/host.js';
import { DueSchedule } from '../../src/scheduler/due.js';
import { openMigratedStore } from '../../src/store/open.js';
import type { Sql } from '../../src/store/sql.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SAMPLE_CSV, testCore } from '../helpers/core.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';

/**
 * `opsbridge db copy` (issue 14): an SQLite install with rows in every table,
 * copied by the built CLI into a real PostgreSQL server, then used there
 * through the domain: lookups, full-text search (PostgreSQL's triggers fill
 * ticket_search), new ids past the copied ones.
 */

const CONFIG = {
  timezone: 'UTC',
  roles: { admin: ['console'], operator: ['irc:account:bob'] },
  people: [{ name: 'alice', irc: 'alice' }, { name: 'bob', irc: 'bob' }],
  irc: { host: 'irc.invalid', channels: ['#ops', '#dev'] },
  git: { repos: [{ name: 'app', default_branch: 'refs/heads/main', channel: 'irc:#dev' }] },
};
const ADMIN = { name: 'root', identity: 'console' };
const BOB = { name: 'bob', identity: 'irc:account:bob' };
const ALICE = { name: 'alice', identity: 'irc:account:alice' };
/** Written by migrations or filled by the target's own triggers: not copied. */
const NOT_COPIED = /^(schema_migrations|ticket_search.*|log_search.*|server_word_counts)$/;

const sha = (n: number) => n.toString(16).padStart(40, 'a');

/** Each table the copy moves, with its row count, read from the SQLite file itself. */
function sqliteCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[])
      .filter((t) => !NOT_COPIED.test(t));
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

async function pgCounts(db: Sql, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = (await db.value<number>(`SELECT COUNT(*) FROM ${t}`))!;
  return out;
}

/** The dispatcher as an adapter calls it; the reply as plain text. */
async function ask(core: Core, line: string, user: { name: string; identity?: string } = ADMIN): Promise<{ text: string; ok: boolean }> {
  const r = await core.dispatcher.handle({
    platform: 'irc',
    channel: 'irc:#ops',
    user: { id: user.name, name: user.name, ...(user.identity !== undefined && { identity: user.identity }) },
    text: line,
    receivedAt: core.clock.now(),
  });
  if (!r) throw new Error(`the bot ignored ${JSON.stringify(line)}`);
  return { text: renderPlain(r.body), ok: r.ok };
}

describe('opsbridge db copy', () => {
  let pg: Postgres;
  /** The SQLite install's directory (testCore's), and a directory to run the CLI in. */
  let sqliteDir = '';
  let cwd = '';
  let sqliteFile = '';
  let counts: Record<string, number> = {};
  let ftsDocs = 0;
  /** Every CLI run, for the password check at the end. */
  const runs: CliResult[] = [];
  const cli = async (args: string[]) => {
    const r = await runCli(args, { cwd });
    runs.push(r);
    return r;
  };

  beforeAll(async () => {
    pg = await startPostgres();
    cwd = mkdtempSync(join(tmpdir(), 'opsbridge-copy-'));
    // An SQLite install that has seen everything a bot does.
    const core = await testCore(CONFIG);
    sqliteDir = core.dir;
    sqliteFile = join(core.dir, 'test.db');
    const imported = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
    expect(imported.rejected).toEqual([]);
    const must = async (line: string, user = ADMIN) => {
      const r = await core.ask(line, user);
      expect(r.ok, `${line} → ${r.text}`).toBe(true);
      return r.text;
    };
    await must('!server set web02 status=maintenance disk swap');
    await core.services.alerts.ingest(fromGeneric({ title: 'Disk full', severity: 'critical', host: 'web01' }, { hostLabels: DEFAULT_HOST_LABELS }));
    await must('!ack 1 on it');
    await must('!silence alertname=NoSuchAlert 2h quiet please');
    await core.services.logs.ingest([{ source: 'api', host: 'web01', level: 'error', message: 'out of inodes' }]);
    await new StoreTailOffsets(core.db, core.clock, 'web-a').set('/var/log/app.log', { inode: '1234', offset: 4096 });
    await new DueSchedule(core.db, core.clock, 'ticket-digest', '0 9 * * *', 'UTC').runIfDue(() => {});
    await must('!maint start kernel update hosts=db13 for=2h');
    await must('!maint update 1 rebooting now');
    await must('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db12');
    await must('!ticket new @alice frobnicator overheats host=web01 -- the quarterly frobnicator logs fill the disk', BOB);
    await must('!ticket new rotate keys', BOB);
    await must('!ticket new renew certificates', BOB);
    await must('!ticket comment 2 waiting on the vendor', ALICE);
    await core.services.git.ingest([
      { repo: 'app', ref: 'refs/heads/main', before: sha(1), after: sha(2), pusher: 'carol', forced: false, commits: [{ sha: sha(2), author: 'carol', message: 'trim the logs, refs #1' }] },
    ]);
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('hello from SQLite'), priority: 0 });
    const held = await core.cluster.lease.acquire(60_000);
    expect(held?.epoch).toBe(1);
    await core.cluster.lease.release(1);
    // Not core.cleanup(): that would remove the file this test copies.
    await core.close();

    counts = sqliteCounts(sqliteFile);
    const fts = new Database(sqliteFile, { readonly: true });
    ftsDocs = fts.prepare('SELECT COUNT(*) FROM ticket_search').pluck().get() as number;
    fts.close();
  }, 60_000);

  afterAll(async () => {
    await pg?.stop();
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('the source has rows in every table the copy moves', () => {
    expect(Object.keys(counts).sort()).toEqual([
      'alert_events', 'alerts', 'git_pushes', 'leases', 'log_lines', 'maintenance_hosts', 'maintenance_schedules', 'maintenance_updates',
      'maintenance_windows', 'outbox', 'schedule_state', 'server_ips', 'server_status_history', 'server_words', 'servers', 'silences', 'tail_offsets',
      'ticket_commits', 'ticket_events', 'ticket_hosts', 'ticket_watchers', 'tickets',
    ]);
    for (const [table, n] of Object.entries(counts)) expect(n, table).toBeGreaterThan(0);
    expect(counts.tickets).toBe(3);
    expect(ftsDocs).toBeGreaterThan(counts.tickets!);
  });

  it('copies every row into PostgreSQL, where the domain works on them; a second run copies nothing', async () => {
    const url = await pg.createDatabase();
    const where = url.replace(/^postgres:\/\/[^@]+@/, '');
    const total = Object.values(counts).reduce((a, b) => a + b, 0);

    const first = await cli(['db', 'copy', '--from', sqliteFile, '--to', url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    // One line per table, then the total.
    expect(lines).toHaveLength(Object.keys(counts).length + 1);
    for (const [table, n] of Object.entries(counts)) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${table} +${n} rows, +${n} new$`)));
    }
    expect(lines.at(-1)).toBe(`copied ${total} rows into ${where}`);

    const { db } = await openMigratedStore(url);
    try {
      expect(await pgCounts(db, Object.keys(counts))).toEqual(counts);
      // Not copied, but made by PostgreSQL's triggers from the copied tickets and events.
      expect(await db.value('SELECT COUNT(*) FROM ticket_search')).toBe(ftsDocs);
      // The lease came along as the stopped SQLite node left it.
      expect(await db.get('SELECT holder, epoch, expires_at_ms FROM leases')).toEqual({ holder: expect.any(String), epoch: 1, expires_at_ms: 0 });
    } finally {
      await db.close();
    }

    // The copy is a working store: a bot on it answers from the copied rows.
    const core = await buildCore(parseConfig({ ...CONFIG, database: url }, {}), { log: pino({ level: 'silent' }), clock: fixedClock('2026-11-25T13:00:00Z') });
    try {
      expect(core.db.engine).toBe('postgres');
      const server = await ask(core, '!server web01');
      expect(server.ok).toBe(true);
      expect(server.text).toMatch(/^web01 · working · roles blog:app · 10\.2\.0\.11, 2001:db8::11 · tokyo1\/r12 /);
      // Its alert and ticket, found through the copied server_id and ticket_hosts rows.
      expect(server.text).toContain('\n- #1 CRITICAL Disk full on web01 for 1h acked by root');
      expect(server.text).toContain('\ntickets: #1 frobnicator overheats');
      expect((await ask(core, '!server web02')).text).toMatch(/maintenance/);

      const found = await ask(core, '!tickets search frobnicator');
      expect(found.ok).toBe(true);
      expect(found.text).toMatch(/#1\b.*frobnicator overheats/);
      expect(found.text).not.toMatch(/#[23]\b/);
      // A comment is searchable too: its document came from the ticket_events trigger.
      expect((await ask(core, '!tickets search vendor')).text).toMatch(/#2\b.*rotate keys/);

      // The sequences moved past the copied ids.
      expect((await ask(core, '!ticket new replace fan', BOB)).text).toMatch(/^#4 created: replace fan/);
      const firing = await ask(core, '!alerts');
      expect(firing.text).toMatch(/^1 firing alert:\n- #1 CRITICAL Disk full on web01 /);
      expect((await ask(core, '!silences')).text).toMatch(/^1 active silence:\n- #1 alertname=NoSuchAlert/);
      expect((await ask(core, '!maint')).text).toMatch(/#1 kernel update/);
      expect((await ask(core, '!ticket 1 --full')).text).toContain('trim the logs, refs #1');
      // And every other sequence: a new row of each kind lands past the copied ones.
      const alert = await core.services.alerts.ingest(fromGeneric({ title: 'Load high', severity: 'warning', host: 'db12' }, { hostLabels: DEFAULT_HOST_LABELS }));
      expect(alert[0]!.id).toBe(counts.alerts! + 1);
      expect(await core.outbox.enqueue({ channel: 'irc:#ops', body: text('hello from PostgreSQL') })).toBeGreaterThan(counts.outbox!);
    } finally {
      await core.close();
    }

    const { db: before } = await openMigratedStore(url);
    const countsBefore = await pgCounts(before, Object.keys(counts));
    await before.close();

    const again = await cli(['db', 'copy', '--from', sqliteFile, '--to', url]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const againLines = again.stdout.trim().split('\n');
    for (const [table, n] of Object.entries(counts)) {
      expect(againLines).toContainEqual(expect.stringMatching(new RegExp(`^${table} +${n} rows, +0 new$`)));
    }
    expect(againLines.at(-1)).toBe(`nothing to copy: ${where} already has every row`);
    const { db: after } = await openMigratedStore(url);
    try {
      expect(await pgCounts(after, Object.keys(counts))).toEqual(countsBefore);
      expect(await after.value('SELECT COUNT(*) FROM ticket_search')).toBe(ftsDocs + 1);
    } finally {
      await after.close();
    }
  });

  it('an install with empty tables: the first new row in PostgreSQL is #1', async () => {
    const core = await testCore(CONFIG);
    try {
      await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
      await core.close();
      const url = await pg.createDatabase();
      const r = await cli(['db', 'copy', '--from', join(core.dir, 'test.db'), '--to', url]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^servers +5 rows, +5 new$/m);
      expect(r.stdout).toMatch(/^tickets +0 rows, +0 new$/m);
      const pgCore = await buildCore(parseConfig({ ...CONFIG, database: url }, {}), { log: pino({ level: 'silent' }), clock: fixedClock('2026-11-25T13:00:00Z') });
      try {
        expect((await ask(pgCore, '!ticket new first one', BOB)).text).toMatch(/^#1 created: first one/);
        // A table that had rows goes on from its highest id.
        await importServers(pgCore.services.inventory, 'name,status\nweb99,working\n', 'csv', { actor: 'test', source: 'more.csv' });
        expect((await pgCore.services.inventory.get('web99'))?.id).toBe(6);
      } finally {
        await pgCore.close();
      }
    } finally {
      rmSync(core.dir, { recursive: true, force: true });
    }
  });

  it('--from a file that does not exist: exit 1, one line naming it', async () => {
    const missing = join(cwd, 'no-such-dir', 'opsbridge.db');
    const r = await cli(['db', 'copy', '--from', missing, '--to', pg.url('postgres')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`opsbridge: --from: no such file: ${missing}\n`);
    expect(existsSync(join(cwd, 'no-such-dir'))).toBe(false);
  });

  it('--to with a wrong password: exit 1, one line naming host and database, not the password', async () => {
    const url = await pg.createDatabase();
    const wrong = url.replace(`:${pg.password}@`, ':wrong-secret-5e2a@');
    expect(wrong).not.toBe(url);
    const r = await cli(['db', 'copy', '--from', sqliteFile, '--to', wrong]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const where = url.replace(/^postgres:\/\/[^@]+@/, '');
    expect(r.stderr).toMatch(new RegExp(`^cannot open database ${where.replace(/\./g, '\\.')}: password authentication failed[^\\n]*\\n$`));
    expect(r.stderr).not.toContain('wrong-secret-5e2a');
  });

  it('--to a mysql:// URL: exit 2, naming the option, and no file or directory made', async () => {
    const r = await cli(['db', 'copy', '--from', sqliteFile, '--to', 'mysql://x@y/z']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("--to: unsupported URL scheme 'mysql://': use a file path for SQLite, or postgres://user@host/database\n");
    expect(readdirSync(cwd).filter((f) => f.startsWith('mysql'))).toEqual([]);
  });

  it('--to a postgres:// URL that names no database: exit 2, naming the option, not the password', async () => {
    const r = await cli(['db', 'copy', '--from', sqliteFile, '--to', `postgres://${pg.user}:${pg.password}@127.0.0.1:${pg.port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('--to: names no database: expected postgres://user@host[:port]/database\n');
  });

  it('never prints the database password', () => {
    expect(runs.length).toBeGreaterThanOrEqual(6);
    for (const r of runs) {
      expect(r.stdout).not.toContain(pg.password);
      expect(r.stderr).not.toContain(pg.password);
    }
  });
});
