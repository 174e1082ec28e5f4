import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../src/chat/rich-text.js';
import { DEFAULT_HOST_LABELS } from '../../src/domain/alerts/host.js';
import { importServers } from '../../src/domain/servers/import.js';
import { fromGeneric } from '../../src/ingest/alerts/sources.js';
import { STORE_STATS_MAX_AGE_MS } from '../../src/metrics.js';
import { ESTIMATE_ABOVE, STORE_KINDS, storeStats, type KindStats, type StoreStats } from '../../src/store/stats.js';
import { runCli } from '../helpers/cli.js';
import { SAMPLE_CSV, TEST_ENGINE, testCore, type TestCore } from '../helpers/core.js';

/**
 * `opsbridge db stats` and the store gauges of /metrics (issue 16), on the
 * engine the tests run on (OPSBRIDGE_TEST_ENGINE=postgres for PostgreSQL):
 * a store that has seen a bit of everything, counted by the domain's own
 * writes, then read back by the module, by /metrics and by the built CLI.
 */

const CONFIG = {
  roles: { admin: ['console'] },
  people: [{ name: 'alice', irc: 'alice' }, { name: 'bob', irc: 'bob' }],
  irc: { host: 'irc.invalid', channels: ['#ops', '#dev'] },
  git: { repos: [{ name: 'app', default_branch: 'refs/heads/main', channel: 'irc:#dev' }] },
};
const ADMIN = { name: 'root', identity: 'console' };
const T0 = '2026-11-25T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const sha = (n: number) => n.toString(16).padStart(40, 'a');

/** What the store holds, counted the slow and certain way. */
async function truth(core: TestCore, table: string, time: string): Promise<{ rows: number; oldest: string | null }> {
  const r = await core.db.get<{ n: number; oldest: string | null }>(`SELECT COUNT(*) AS n, MIN(${time}) AS oldest FROM ${table}`);
  return { rows: Number(r!.n), oldest: r!.oldest };
}

const byKind = (s: StoreStats) => Object.fromEntries(s.kinds.map((k) => [k.kind, k])) as Record<string, KindStats>;

/** One sample of a gauge in the exposition text, or undefined when the series is absent. */
function sample(body: string, name: string, kind?: string): number | undefined {
  const series = kind === undefined ? name : `${name}{kind="${kind}"}`;
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe(`store statistics (${TEST_ENGINE})`, () => {
  let core: TestCore;

  beforeAll(async () => {
    core = await testCore(CONFIG);
    core.clock.set(T0);
    expect((await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' })).rejected).toEqual([]);
    core.clock.set(at(10));
    expect((await core.ask('!server set web02 status=maintenance disk swap', ADMIN)).ok).toBe(true);
    core.clock.set(at(20));
    const alert = (body: Record<string, unknown>) => core.services.alerts.ingest(fromGeneric(body, { hostLabels: DEFAULT_HOST_LABELS }));
    await alert({ title: 'Disk full', severity: 'critical', host: 'web01' });
    await alert({ title: 'Load high', severity: 'warning', host: 'web10' });
    core.clock.set(at(25));
    await alert({ title: 'Load high', severity: 'warning', host: 'web10', status: 'resolved' });
    core.clock.set(at(30));
    await core.services.logs.ingest([
      { source: 'api', host: 'web01', level: 'error', message: 'out of inodes' },
      { source: 'api', host: 'web01', level: 'warning', message: 'slow disk' },
      { source: 'api', host: 'web10', level: 'info', message: 'deploy done' },
    ]);
    core.clock.set(at(40));
    expect((await core.ask('!ticket new rotate keys', { name: 'bob', identity: 'irc:account:bob' })).ok).toBe(true);
    expect((await core.ask('!ticket comment 1 waiting on the vendor', ADMIN)).ok).toBe(true);
    core.clock.set(at(50));
    await core.services.git.ingest([
      { repo: 'app', ref: 'refs/heads/main', before: sha(1), after: sha(2), pusher: 'carol', forced: false, commits: [{ sha: sha(2), author: 'carol', message: 'trim the logs, refs #1' }] },
    ]);
    core.clock.set(at(55));
    const id = await core.outbox.enqueue({ channel: 'irc:#ops', body: text('hello'), priority: 0 });
    await core.outbox.markDelivered(id);
  }, 60_000);

  afterAll(async () => {
    await core?.cleanup();
  });

  it('counts every kind of data exactly, with its oldest row, resolved alerts and delivered messages', async () => {
    const s = await storeStats(core.db, { exact: true });
    expect(s.engine).toBe(TEST_ENGINE);
    expect(s.name).toBe(core.db.name);
    expect(s.kinds.map((k) => k.kind)).toEqual([
      'log_lines', 'alerts', 'alert_events', 'outbox', 'git_pushes', 'server_status_history', 'tickets', 'ticket_events', 'servers',
    ]);
    for (const k of STORE_KINDS) {
      const got = byKind(s)[k.kind]!;
      expect({ rows: got.rows, oldest: got.oldest }, k.kind).toEqual(await truth(core, k.table, k.time));
      expect(got.rows, k.kind).toBeGreaterThan(0);
      expect(got.estimated).toBe(false);
    }
    const k = byKind(s);
    expect(k.log_lines).toMatchObject({ rows: 3, oldest: at(30) });
    expect(k.alerts).toMatchObject({ rows: 2, oldest: at(20), resolved: 1 });
    expect(k.servers).toMatchObject({ rows: 5, oldest: T0 });
    expect(k.tickets).toMatchObject({ rows: 1, oldest: at(40) });
    expect(k.git_pushes).toMatchObject({ rows: 1, oldest: at(50) });
    expect(k.outbox!.delivered).toBe(1);
    expect(k.outbox!.rows).toBeGreaterThan(1);
    expect(k.log_lines!.resolved).toBeUndefined();
  });

  it('says how much disk the store takes', async () => {
    const { size, kinds } = await storeStats(core.db);
    if (size.engine === 'sqlite') {
      const file = core.config.database;
      expect(statSync(size.file).ino).toBe(statSync(file).ino);
      expect(size.fileBytes).toBe(statSync(file).size);
      expect(size.walBytes).toBe(statSync(`${file}-wal`).size);
      expect(size.totalBytes).toBe(size.fileBytes + size.walBytes);
      expect(size.pageSize).toBe(Number(await core.db.value('PRAGMA page_size')));
      expect(size.pages).toBe(Number(await core.db.value('PRAGMA page_count')));
      expect(size.freePages).toBe(Number(await core.db.value('PRAGMA freelist_count')));
      // SQLite would read every page to size a table: not offered.
      for (const k of kinds) expect(k.bytes).toBeNull();
    } else {
      expect(size.totalBytes).toBe(Number(await core.db.value('SELECT pg_database_size(current_database())')));
      for (const k of kinds) {
        expect(k.bytes, k.kind).toBe(Number(await core.db.value(`SELECT pg_total_relation_size('${k.table}')`)));
        expect(k.bytes, k.kind).toBeGreaterThan(0);
      }
    }
  });

  it('by default estimates only tables beyond 100,000 ids, from the id range', async () => {
    // Small tables: the estimating default counts them exactly.
    const small = await storeStats(core.db);
    const exact = await storeStats(core.db, { exact: true });
    expect(small.kinds.map(({ estimated, rows, oldest }) => ({ estimated, rows, oldest }))).toEqual(exact.kinds.map(({ estimated, rows, oldest }) => ({ estimated, rows, oldest })));

    const bulkAt = at(60);
    const n = ESTIMATE_ABOVE + 20_000;
    await core.db.run(
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n})
       INSERT INTO log_lines (source, host, level, message, ts, received_at, malformed)
       SELECT 'bulk', NULL, 'info', 'line ' || i, NULL, ?, 0 FROM seq`,
      [bulkAt],
    );
    const total = 3 + n;
    // Ids without gaps, as the bot writes them: the estimate is then the count.
    expect(await core.db.value('SELECT MAX(id) - MIN(id) + 1 FROM log_lines')).toBe(total);
    let est = byKind(await storeStats(core.db)).log_lines!;
    expect(est).toMatchObject({ rows: total, estimated: true, oldest: at(30) });
    expect(byKind(await storeStats(core.db, { exact: true })).log_lines).toMatchObject({ rows: total, estimated: false, oldest: at(30) });

    // Retention removes the oldest rows: the estimate follows exactly.
    expect((await core.db.run('DELETE FROM log_lines WHERE id <= (SELECT MIN(id) FROM log_lines) + 10002')).changes).toBe(10_003);
    est = byKind(await storeStats(core.db)).log_lines!;
    expect(est).toMatchObject({ rows: total - 10_003, estimated: true, oldest: bulkAt });
    expect((await truth(core, 'log_lines', 'received_at')).rows).toBe(total - 10_003);

    // Rows deleted in the middle are still counted by the estimate (the price of two index lookups), not by the exact count.
    expect((await core.db.run('DELETE FROM log_lines WHERE id BETWEEN (SELECT MIN(id) FROM log_lines) + 40000 AND (SELECT MIN(id) FROM log_lines) + 40999')).changes).toBe(1000);
    expect(byKind(await storeStats(core.db)).log_lines!.rows).toBe(total - 10_003);
    expect(byKind(await storeStats(core.db, { exact: true })).log_lines!.rows).toBe(total - 11_003);
  }, 60_000);

  it('/metrics shows rows, oldest row and size, read at most once a minute; the pruned counter starts at 0', async () => {
    const s = await storeStats(core.db);
    let body = (await core.metrics.render()).body;
    for (const k of s.kinds) {
      expect(sample(body, 'opsbridge_store_rows', k.kind), k.kind).toBe(k.rows);
      expect(sample(body, 'opsbridge_store_oldest_row_timestamp_seconds', k.kind), k.kind).toBe(Date.parse(k.oldest!) / 1000);
    }
    expect(sample(body, 'opsbridge_store_size_bytes')).toBeGreaterThan(0);
    if (TEST_ENGINE === 'sqlite') {
      expect(sample(body, 'opsbridge_store_free_bytes')).toBeGreaterThanOrEqual(0);
      expect(body).not.toContain('opsbridge_store_table_size_bytes');
    } else {
      expect(sample(body, 'opsbridge_store_table_size_bytes', 'log_lines')).toBeGreaterThan(0);
      expect(body).not.toContain('opsbridge_store_free_bytes');
    }
    expect(body).toContain('# HELP opsbridge_pruned_rows_total ');
    expect(sample(body, 'opsbridge_pruned_rows_total', 'log_lines')).toBe(0);
    core.metrics.prunedRows.inc({ kind: 'log_lines' }, 7);
    expect(sample((await core.metrics.render()).body, 'opsbridge_pruned_rows_total', 'log_lines')).toBe(7);

    // A scrape within the minute answers from the last reading, without touching the store.
    const rows = s.kinds.find((k) => k.kind === 'tickets')!.rows;
    expect((await core.ask('!ticket new renew certificates', { name: 'bob', identity: 'irc:account:bob' })).ok).toBe(true);
    core.clock.advance(STORE_STATS_MAX_AGE_MS - 1000);
    body = (await core.metrics.render()).body;
    expect(sample(body, 'opsbridge_store_rows', 'tickets')).toBe(rows);
    core.clock.advance(1000);
    body = (await core.metrics.render()).body;
    expect(sample(body, 'opsbridge_store_rows', 'tickets')).toBe(rows + 1);
  });

  it('an empty store: zero rows and no oldest-row series', async () => {
    const empty = await testCore();
    try {
      const body = (await empty.metrics.render()).body;
      for (const k of STORE_KINDS) {
        expect(sample(body, 'opsbridge_store_rows', k.kind), k.kind).toBe(0);
        expect(sample(body, 'opsbridge_store_oldest_row_timestamp_seconds', k.kind), k.kind).toBeUndefined();
      }
    } finally {
      await empty.cleanup();
    }
  });

  it('opsbridge db stats prints a table, and --json the same figures', async () => {
    const config = join(core.dir, 'stats.yaml');
    writeFileSync(config, `database: ${JSON.stringify(core.config.database)}\ntimezone: UTC\n`);
    const table = await runCli(['db', 'stats', '-c', config], { cwd: core.dir });
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${core.db.name} (${TEST_ENGINE === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`);
    expect(lines[1]).toMatch(TEST_ENGINE === 'sqlite' ? /^kind +rows +oldest$/ : /^kind +rows +oldest +size$/);
    const exact = byKind(await storeStats(core.db, { exact: true }));
    const fmt = (n: number) => n.toLocaleString('en-US');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^log_lines +${fmt(exact.log_lines!.rows)} +2026-11-25 13:00 UTC( |$)`)));
    expect(lines).toContainEqual(expect.stringMatching(/^alerts +2 +2026-11-25 12:20 UTC .*1 resolved$/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^outbox +${fmt(exact.outbox!.rows)} +2026-11-25 \\d\\d:\\d\\d UTC .*1 delivered$`)));
    expect(lines).toContainEqual(expect.stringMatching(/^servers +5 +2026-11-25 12:00 UTC/));
    expect(lines.at(-1)).toMatch(/^on disk: \d/);
    expect(lines).toHaveLength(2 + STORE_KINDS.length + 1);

    const json = await runCli(['db', 'stats', '--json', '-c', config], { cwd: core.dir });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as StoreStats;
    expect(parsed.engine).toBe(TEST_ENGINE);
    expect(parsed.kinds).toEqual((await storeStats(core.db, { exact: true })).kinds.map((k) => (TEST_ENGINE === 'postgres' ? { ...k, bytes: expect.any(Number) } : k)));
    expect(parsed.size.totalBytes).toBeGreaterThan(0);

    // --estimate: as /metrics reads it, marked with ~ where estimated.
    const quick = await runCli(['db', 'stats', '--estimate', '-c', config], { cwd: core.dir });
    expect(quick.code).toBe(0);
    expect(quick.stdout).toMatch(/^log_lines +~[\d,]+ /m);
    expect(quick.stdout.trimEnd().split('\n').at(-1)).toMatch(/^~ estimated from the id range/);
  }, 60_000);

  it.runIf(TEST_ENGINE === 'sqlite')('opsbridge db stats on a missing database says so and creates nothing', async () => {
    const config = join(core.dir, 'missing.yaml');
    const file = join(core.dir, 'nothing-here', 'x.db');
    writeFileSync(config, `database: ${JSON.stringify(file)}\n`);
    const r = await runCli(['db', 'stats', '-c', config], { cwd: core.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opsbridge: no database at ${file}: start the bot or run opsbridge migrate first\n`);
    expect(() => statSync(join(core.dir, 'nothing-here'))).toThrow();
  });
});
