import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { fixedClock } from '../../src/clock.js';
import type { LogInput } from '../../src/domain/logs/service.js';
import { COUNT_CAP, ftsQuery, LogSearch, parseLevel, parseSince, tsQuery, type LogFilter } from '../../src/domain/logs/search.js';
import { Inventory } from '../../src/domain/servers/inventory.js';
import { importServers } from '../../src/domain/servers/import.js';
import { UserError } from '../../src/errors.js';
import { migrationsDir } from '../../src/paths.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open.js';
import type { Sql } from '../../src/store/sql.js';
import { SAMPLE_CSV, TEST_ENGINE, testCore, type TestCore } from '../helpers/core.js';
import { startPostgres } from '../helpers/postgres.js';

/**
 * Log search (`!logs`, src/domain/logs/search.ts) on a real core, on the
 * engine OPSBRIDGE_TEST_ENGINE names: order, hosts, levels, windows, words
 * (and words that are FTS syntax or garbage), pages, deletions, and the
 * command's replies through the dispatcher.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;

let core: TestCore;
let search: LogSearch;
beforeEach(async () => {
  core = await testCore({ http: { public_url: 'https://ops.example.com' } });
  const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
  search = core.services.logSearch;
});
afterEach(() => core.cleanup());

const line = (host: string | null, message: string, level = 'info', source = 'syslog'): LogInput => ({ source, host, level, message });

/** Stores lines, one minute apart, each `ago` before the test's "now" (the clock ends where it started). */
async function storeAgo(agoMs: number, ...lines: LogInput[]): Promise<number[]> {
  const start = core.clock.now().getTime();
  core.clock.set(new Date(start - agoMs));
  const ids: number[] = [];
  for (const l of lines) {
    ids.push(...(await core.services.logs.ingest([l])));
    core.clock.advance(1000);
  }
  core.clock.set(new Date(start));
  return ids;
}

async function store(...lines: LogInput[]): Promise<number[]> {
  return storeAgo(lines.length * 1000, ...lines);
}

async function ids(f: LogFilter, limit = 100, offset = 0): Promise<number[]> {
  return (await search.search(f, limit, offset)).lines.map((l) => l.id);
}

async function host(name: string) {
  return search.resolveHost(name);
}

function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  throw new Error('no user error');
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  throw new Error('no user error');
}

describe('log search', () => {
  it('lists a host newest first, whatever case or spelling (name, FQDN, address) its lines carry', async () => {
    const [a, , c, d, , f] = await store(
      line('web01', 'first'),
      line('web02', 'not this host'),
      line('WEB01', 'shouting sender'),
      line('web01.example.net', 'by its FQDN'),
      line('web10', 'nor this one'),
      line('10.2.0.11', 'a sender without a hostname'),
    );
    for (const word of ['web01', 'Web01', 'WEB01.EXAMPLE.NET', '10.2.0.11']) {
      const h = await host(word);
      expect(h).toMatchObject({ name: 'web01', inInventory: true });
      expect(await ids({ host: h })).toEqual([f, d, c, a]);
    }
    const page = await search.search({ host: await host('web01') }, 2);
    expect(page).toMatchObject({ total: 4, totalCapped: false });
    expect(page.lines.map((l) => [l.id, l.host, l.message])).toEqual([[f, '10.2.0.11', 'a sender without a hostname'], [d, 'web01.example.net', 'by its FQDN']]);
  });

  it('a sender outside the inventory is known by its lines, in any case', async () => {
    const [a, b] = await store(line('edge-router7', 'link up'), line('EDGE-ROUTER7', 'link down', 'err'));
    const h = await host('Edge-Router7');
    expect(h).toMatchObject({ inInventory: false, spellings: [expect.stringMatching(/^edge-router7$/i)] });
    expect(await ids({ host: h })).toEqual([b, a]);
  });

  it('an unknown host is a user error with the closest names, from the inventory and from recent senders', async () => {
    await store(line('edge-router7', 'link up'));
    await store(line('WEB01', 'shouting'));
    expect(await rejection(host('web0l'))).toBe("no host 'web0l' in the inventory or the stored log lines — did you mean web01, web02?");
    expect(await rejection(host('edge-router9'))).toMatch(/did you mean edge-router7\?$/);
    expect(await rejection(host('zzzzzzzz'))).toBe("no host 'zzzzzzzz' in the inventory or the stored log lines");
    expect(await rejection(host('web*'))).toMatch(/^'web\*' is not one host: it matches web01, web02, web10; name one$/);
  });

  it('level=X keeps that level and worse, in any of the words sources use for it', async () => {
    const all = await store(
      line('db12', 'kernel panic', 'crit'),
      line('db12', 'disk error', 'err'),
      line('db12', 'disk slow', 'warning'),
      line('db12', 'disk slower', 'WARN'),
      line('db12', 'started', 'notice'),
      line('db12', 'details', 'debug'),
      line('db12', 'a tailed file with its own word', 'trace'),
      line('db12', 'emergency', 'emerg'),
    );
    const [crit, err, warning, warn, , , , emerg] = all;
    const h = await host('db12');
    expect(await ids({ host: h, level: parseLevel('warning') })).toEqual([emerg, warn, warning, err, crit]);
    expect(await ids({ host: h, level: parseLevel('err') })).toEqual([emerg, err, crit]);
    expect(await ids({ host: h, level: parseLevel('critical') })).toEqual([emerg, crit]);
    expect(await ids({ host: h, level: parseLevel('info') })).toEqual([...all].reverse());
    expect(userErrorOf(() => parseLevel('warnign'))).toBe("unknown level 'warnign' — did you mean warning? (use critical, error, warning or info: that level or worse)");
    expect(userErrorOf(() => parseLevel('loud'))).toMatch(/^unknown level 'loud'/);
  });

  it('since= takes a duration back from now or a time, and refuses anything else in one line', async () => {
    const now = core.clock.now();
    const [old] = await storeAgo(3 * HOUR, line('web01', 'three hours ago'));
    const [recent] = await storeAgo(30 * MIN, line('web01', 'half an hour ago'));
    const h = await host('web01');
    expect(await ids({ host: h, since: parseSince('1h', now, 'UTC') })).toEqual([recent]);
    expect(await ids({ host: h, since: parseSince('4h', now, 'UTC') })).toEqual([recent, old]);
    expect(await ids({ host: h, since: parseSince('2026-11-25 10:00', now, 'UTC') })).toEqual([recent]);
    expect(await ids({ host: h, since: parseSince('2026-11-25T08:00Z', now, 'UTC') })).toEqual([recent, old]);
    expect(parseSince('today 11:00', now, 'Asia/Tokyo').toISOString()).toBe('2026-11-25T02:00:00.000Z');

    expect(userErrorOf(() => parseSince('yesterday', now, 'UTC'))).toBe("'yesterday' is not a duration or a time for since: use e.g. since=30m, since=2h, since=1d or since=2026-11-25T10:00");
    expect(userErrorOf(() => parseSince('1 hour', now, 'UTC'))).toMatch(/^'1 hour' is not a duration or a time for since/);
    expect(userErrorOf(() => parseSince('0m', now, 'UTC'))).toMatch(/^since=0m is no time at all/);
    expect(userErrorOf(() => parseSince('2026-11-26 10:00', now, 'UTC'))).toMatch(/^since=2026-11-26 10:00 is still to come/);
    expect(userErrorOf(() => parseSince('2026-02-30 10:00', now, 'UTC'))).toMatch(/is not a date: 2026-02 has 28 days/);
  });

  it('finds lines by words: every word required, each a prefix, punctuation inside a word kept in order', async () => {
    const [timeout, refused, status, address, other] = await store(
      line('web01', 'nginx: upstream timed out while reading response header'),
      line('web01', 'nginx: connect() failed (111: Connection refused) while connecting to upstream'),
      line('web01', 'GET /health status=500 took 3ms'),
      line('web01', 'sshd: accepted key from 10.2.0.5 port 4242'),
      line('web02', 'nginx: upstream timed out on another host'),
    );
    const h = await host('web01');
    const found = (words: string) => ids({ host: h, words });
    expect(await found('timed out')).toEqual([timeout]);
    expect(await found('upstream')).toEqual([refused, timeout]);
    expect(await found('UPSTREAM nginx')).toEqual([refused, timeout]);
    expect(await found('time')).toEqual([timeout]);
    expect(await found('upstream refused')).toEqual([refused]);
    expect(await found('status=500')).toEqual([status]);
    expect(await found('status=50')).toEqual([status]);
    expect(await found('10.2.0.5')).toEqual([address]);
    expect(await found('timed nowhere')).toEqual([]);
    expect(await ids({ words: 'timed out' })).toEqual([other, timeout]);
  });

  it('words that are FTS syntax or garbage never throw: they are text, or a one-line user error when nothing searchable is left', async () => {
    const [quoted] = await store(line('web01', 'said "AND" then (NOT) quit: near O\'Brien * star'), line('web01', 'plain'));
    const h = await host('web01');
    const garbage = [
      'AND', 'OR', 'NOT', 'NEAR', 'NEAR(a b)', 'a OR b', 'x AND', '(x', 'x)', 'message:x', 'log_search:x', '^x', '-x', '+x', '*x*', 'x*',
      'a"b', '"and"', "O'Brien", 'x\\', 'x\\y', '{a b}', 'a:b:c', '%x%', '_x_', 'a&b', 'a|b', '!x', 'x:*', "x':*", 'ü', '日本語',
      'said "AND', 'then (NOT) quit:',
    ];
    for (const words of garbage) {
      await expect(search.search({ host: h, words }, 5), words).resolves.toBeDefined();
    }
    expect(await ids({ host: h, words: '"AND"' })).toEqual([quoted]);
    expect(await ids({ host: h, words: '(NOT) quit:' })).toEqual([quoted]);
    expect(await ids({ host: h, words: "O'Brien" })).toEqual([quoted]);
    expect(await ids({ host: h, words: 'near' })).toEqual([quoted]);
    for (const words of ['*', '"', '-', '()', '" * "', ':', "'", '\\', '...']) {
      expect(await rejection(search.search({ host: h, words }, 5)), words).toBe('search for words with letters or digits, e.g. timed out');
    }
    expect(await rejection(search.search({ host: h, words: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') }, 5))).toMatch(/^at most 16 words/);
    // What each engine is given: quoted terms, never operators.
    expect(ftsQuery('a"b AND (x')).toBe('"a""b"* AND "AND"* AND "(x"*');
    expect(tsQuery("O'Brien a\\b & !x")).toBe("'O Brien':* & 'a b':* & '!x':*");
  });

  it('pages newest first with a total; the total stops counting at the cap', async () => {
    const all = await store(...Array.from({ length: 12 }, (_, i) => line('web10', `line ${i}`)));
    const newest = [...all].reverse();
    const h = await host('web10');
    expect(await ids({ host: h }, 5)).toEqual(newest.slice(0, 5));
    expect(await ids({ host: h }, 5, 5)).toEqual(newest.slice(5, 10));
    expect(await ids({ host: h }, 5, 10)).toEqual(newest.slice(10));
    expect((await search.search({ host: h }, 5, 10)).total).toBe(12);
    // The same pages when several spellings are merged.
    const more = await storeAgo(0, line('web10.example.net', 'by FQDN'), line('WEB10', 'loud'));
    const merged = [...more.reverse(), ...newest];
    expect(await ids({ host: h }, 5, 0)).toEqual(merged.slice(0, 5));
    expect(await ids({ host: h }, 5, 5)).toEqual(merged.slice(5, 10));
    expect(await ids({ host: h }, 5, 10)).toEqual(merged.slice(10));

    await core.db.run(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO log_lines (source, host, level, message, ts, received_at, malformed) SELECT 'api', 'busy01', 'info', 'bulk line', NULL, ?, 0 FROM n`,
      [COUNT_CAP + 5, new Date(core.clock.now().getTime() - MIN).toISOString()],
    );
    const busy = await search.search({ host: await host('busy01') }, 5);
    expect(busy).toMatchObject({ total: COUNT_CAP, totalCapped: true });
    expect(busy.lines).toHaveLength(5);
  });

  it('a deleted line is not found again, by host or by words, whether it was indexed yet or not', async () => {
    const [gone, kept] = await store(line('web01', 'kernel: oom-killer picked java'), line('web01', 'kernel: oom-killer picked python'));
    const h = await host('web01');
    expect(await ids({ host: h, words: 'oom killer' })).toEqual([kept, gone]);
    await core.db.run('DELETE FROM log_lines WHERE id = ?', [gone]);
    expect(await ids({ host: h, words: 'oom killer' })).toEqual([kept]);
    expect(await ids({ host: h, words: 'java' })).toEqual([]);

    // Stored and deleted before anything indexed it.
    const [early] = await store(line('web01', 'transient segfault'));
    await core.db.run('DELETE FROM log_lines WHERE id = ?', [early]);
    expect(await ids({ host: h, words: 'segfault' })).toEqual([]);

    // Everything goes (SQLite then hands out the same ids again): new lines are found, old ones not.
    await core.db.run('DELETE FROM log_lines');
    expect(await ids({ host: h, words: 'oom' })).toEqual([]);
    expect(await ids({ host: h })).toEqual([]);
    const [fresh] = await store(line('web01', 'kernel: oom-killer picked ruby'));
    expect(await ids({ host: h, words: 'oom' })).toEqual([fresh]);
    expect(await ids({ host: h, words: 'java' })).toEqual([]);
    if (TEST_ENGINE === 'sqlite') {
      // The external-content index agrees with log_lines row for row.
      expect(await search.indexWaiting()).toBe(0);
      await core.db.run("INSERT INTO log_search (log_search, rank) VALUES ('integrity-check', 1)");
    }
  });

  it('follows the retention batches: a large DELETE leaves no word behind', async () => {
    const old = await storeAgo(2 * HOUR, ...Array.from({ length: 300 }, (_, i) => line('db12', `old checkpoint ${i}`)));
    await store(line('db12', 'new checkpoint'));
    const h = await host('db12');
    expect((await search.search({ host: h, words: 'checkpoint' }, 1)).total).toBe(301);
    await core.db.run('DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE received_at < ? ORDER BY received_at LIMIT ?)', [new Date(core.clock.now().getTime() - HOUR).toISOString(), 1000]);
    expect((await search.search({ host: h, words: 'checkpoint' }, 5)).total).toBe(1);
    expect(await ids({ host: h, words: 'old' })).toEqual([]);
    expect(old).toHaveLength(300);
  });
});

describe.runIf(TEST_ENGINE === 'sqlite')('the SQLite word index', () => {
  it('is written after the lines, by the indexer, a batch at a time; a search indexes what is left first, up to a bound', async () => {
    const pending = async () => Number(await core.db.value('SELECT COUNT(*) FROM log_search_pending'));
    await core.services.logs.ingest(Array.from({ length: 2500 }, (_, i) => line('web01', `burst line ${i}`)));
    expect(await pending()).toBe(2500);
    const h = await host('web01');
    // A search indexes up to 2,000 first and says which lines words cannot find yet.
    const r = await search.search({ host: h, words: 'burst' }, 5);
    expect(await pending()).toBe(500);
    expect(r.total).toBe(2000);
    expect(r.unindexedSince).toBe(core.clock.now().toISOString());
    // The indexer catches up by itself.
    const stop = search.startIndexing();
    for (let i = 0; i < 100 && (await pending()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await stop();
    expect(await pending()).toBe(0);
    expect(await search.search({ host: h, words: 'burst' }, 5)).toMatchObject({ total: 2500, unindexedSince: null });
  });

  it('the host lookups and window use log_lines_host; words use the FTS table', async () => {
    const plan = async (sql: string, params: unknown[]) => (await core.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((r) => r.detail).join(' | ');
    const byHost = 'SELECT id, message FROM log_lines WHERE host = ? COLLATE NOCASE AND received_at >= ?';
    // In order already: no sort step.
    expect(await plan(`${byHost} ORDER BY received_at DESC, id DESC LIMIT 5`, ['web01', '2026-01-01'])).toBe('SEARCH log_lines USING INDEX log_lines_host (host=? AND received_at>?)');
    expect(await plan(`${byHost} AND id IN (SELECT rowid FROM log_search WHERE log_search MATCH ?) ORDER BY received_at DESC, id DESC LIMIT 5`, ['web01', '2026-01-01', '"disk"*'])).toMatch(
      /^SEARCH log_lines USING INDEX log_lines_host \(host=\? AND received_at>\?\) \| LIST SUBQUERY 1 \| SCAN log_search VIRTUAL TABLE/,
    );
  });
});

describe('lines stored before the search migration', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('are found by words once the migration ran', async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsbridge-logsearch-'));
    const pg = TEST_ENGINE === 'postgres' ? await startPostgres() : undefined;
    let db: Sql | undefined;
    try {
      db = await openStore(pg ? await pg.createDatabase() : join(dir, 'old.db'));
      const all = readMigrations(migrationsDir(db.engine));
      await migrate(db, all.filter((m) => m.name < '0009'));
      await db.run("INSERT INTO log_lines (source, host, level, message, ts, received_at, malformed) VALUES ('syslog', 'web01', 'err', 'disk quota exceeded', NULL, '2026-11-25T11:00:00.000Z', 0)");
      await migrate(db, all);
      const clock = fixedClock('2026-11-25T12:00:00Z');
      const s = new LogSearch({ db, inventory: new Inventory(db, clock), log: pino({ level: 'silent' }) });
      const h = await s.resolveHost('WEB01');
      expect((await s.search({ host: h, words: 'quota' }, 5)).lines.map((l) => l.message)).toEqual(['disk quota exceeded']);
    } finally {
      await db?.close();
      await pg?.stop();
    }
  });
});

describe('!logs', () => {
  it('lists the newest lines of the last hour, five in a channel, with a board link for the rest', async () => {
    await storeAgo(2 * HOUR, line('web01', 'too old to show'));
    await store(...Array.from({ length: 7 }, (_, i) => line(i % 2 ? 'WEB01' : 'web01', `request ${i} served`, i === 6 ? 'err' : 'info')));
    const r = await core.ask('!logs Web01');
    expect(r.ok).toBe(true);
    expect(r.text.split('\n')).toEqual([
      'web01: 7 log lines in the last 1h (newest first, UTC):',
      '- 11:59:59 ERR request 6 served',
      '- 11:59:58 INFO request 5 served',
      '- 11:59:57 INFO request 4 served',
      '- 11:59:56 INFO request 3 served',
      '- 11:59:55 INFO request 2 served',
      '…and 2 more: https://ops.example.com/logs?host=Web01',
    ]);
  });

  it('filters by since, level and words, and the link carries them', async () => {
    await storeAgo(3 * HOUR, line('db12', 'postgres: checkpoint took too long', 'warning'));
    await store(line('db12', 'postgres: checkpoint complete', 'info'), line('db12', 'postgres: could not write to file "pg_wal/000001": No space left', 'err'));
    const r = await core.ask('!logs db12 since=6h level=warning checkpoint');
    expect(r.text.split('\n')).toEqual([
      'db12: 1 log line in the last 6h, warning or worse, matching "checkpoint" (newest first, UTC):',
      '- 09:00:00 WARNING postgres: checkpoint took too long',
    ]);
    expect((await core.ask('!logs db12 level=error "No space"')).text).toMatch(/^db12: 1 log line .*\n- \d\d:\d\d:\d\d ERR postgres: could not write/);
    // Words such as key=value are searched for, not taken for options.
    expect((await core.ask('!logs db12 pg_wal/000001')).text).toMatch(/^db12: 1 log line in the last 1h, matching "pg_wal\/000001"/);
    await store(...Array.from({ length: 6 }, () => line('db12', 'postgres: checkpoint complete', 'warning')));
    expect((await core.ask('!logs db12 since=6h level=warning checkpoint')).text.split('\n').at(-1)).toBe(
      '…and 2 more: https://ops.example.com/logs?host=db12&since=6h&level=warning&q=checkpoint',
    );
  });

  it('says when a known host has nothing in the window, and how far back its newest line is', async () => {
    expect(await core.ask('!logs web02')).toEqual({ text: 'no log lines from web02 in the last 1h; none are stored from web02 at all', ok: true, private: false });
    await storeAgo(5.5 * HOUR, line('web02', 'long ago'));
    expect((await core.ask('!logs web02')).text).toBe('no log lines from web02 in the last 1h; the newest came in 2026-11-25 06:30 UTC (!logs web02 since=6h)');
    expect((await core.ask('!logs web02 since=6h nothing-like-this')).text).toBe('no log lines from web02 in the last 6h, matching "nothing-like-this"');
  });

  it('answers a bad host, since, level or word with one line saying what to type', async () => {
    await store(line('edge-router7', 'bgp session up'));
    const bad = async (cmd: string) => {
      const r = await core.ask(cmd);
      expect(r.ok, cmd).toBe(false);
      expect(r.text.split('\n'), cmd).toHaveLength(1);
      return r.text;
    };
    expect(await bad('!logs web0l')).toMatch(/^no host 'web0l' in the inventory or the stored log lines — did you mean web01/);
    expect(await bad('!logs edge-router8')).toMatch(/did you mean edge-router7\?$/);
    expect(await bad('!logs web01 since=soon')).toBe("'soon' is not a duration or a time for since: use e.g. since=30m, since=2h, since=1d or since=2026-11-25T10:00");
    expect(await bad('!logs web01 level=loud')).toMatch(/^unknown level 'loud'/);
    expect(await bad('!logs web01 sinse=2h')).toMatch(/^'logs' has no option 'sinse' — did you mean 'since'\?/);
    expect(await bad('!logs web01 * ( -')).toBe('search for words with letters or digits, e.g. timed out');
    expect(await bad('!logs')).toMatch(/^which host\? usage: !logs HOST/);
  });

  it('shows a sender outside the inventory, and garbage words next to real ones are just text', async () => {
    await store(line('edge-router7', 'bgp: neighbor 10.0.0.1 Down (hold timer expired)', 'err'));
    expect((await core.ask('!logs EDGE-ROUTER7 since=1d')).text).toMatch(/^edge-router7: 1 log line in the last 1d \(newest first, UTC\):\n- \d\d:\d\d:\d\d ERR bgp: neighbor/);
    expect((await core.ask('!logs edge-router7 (hold NEAR timer* OR')).text).toMatch(/^no log lines/);
    expect((await core.ask('!logs edge-router7 (hold timer*')).text).toMatch(/^edge-router7: 1 log line/);
  });

  it('is listed by !help', async () => {
    expect((await core.ask('!help logs')).text).toMatch(/logs HOST \[since=DURATION\|TIME\] \[level=LEVEL\] \[WORDS…\]/);
  });
});
