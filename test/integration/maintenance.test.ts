import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCore, type Core } from '../../src/app.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { fixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { MaintenanceStore } from '../../src/domain/maintenance/store.js';
import { fromGeneric } from '../../src/ingest/alerts/sources.js';
import { importServers } from '../../src/domain/servers/import.js';
import { SAMPLE_CSV } from '../helpers/core.js';

/**
 * Maintenance windows (issue 6) through the real core: chat commands as an
 * operator, the scheduler's tick() with an injected clock, SQLite on disk so
 * a "restart" is closing the core and building a new one on the same file.
 */

const OPERATOR = { name: 'bob', identity: 'irc:account:bob' };
const ADMIN = { name: 'root', identity: 'console' };
const NOBODY = { name: 'mallory' }; // no verified identity: the default role (viewer)

// Friday 2026-11-27 10:00 in Tokyo.
const FRIDAY_10_JST = '2026-11-27T01:00:00Z';

type FixedClock = ReturnType<typeof fixedClock>;
interface User { name: string; identity?: string }

interface Harness {
  core: Core;
  clock: FixedClock;
  /** Runs a chat line as `user` in `channel` (default irc:#ops); the reply as plain text. */
  ask(text: string, user?: User, opts?: { channel?: string; direct?: boolean }): Promise<{ text: string; ok: boolean }>;
  /** What the scheduler runs every 15 s and once at start-up. */
  tick(times?: number): Promise<void>;
  /** Closes the core and builds a new one on the same database with the clock at `at`, then runs start-up's tick. */
  restart(at: string): Promise<void>;
  /** Everything written to the outbox so far, rendered. */
  posts(): Promise<Array<{ channel: string; text: string }>>;
  /** The posts since the last call. */
  newPosts(): Promise<Array<{ channel: string; text: string }>>;
  statusOf(name: string): Promise<string>;
  cleanup(): Promise<void>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cleanup();
});

async function harness(overrides: Record<string, unknown> = {}, start = FRIDAY_10_JST, opts: { seed?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-maint-'));
  const config = parseConfig(
    { database: join(dir, 'test.db'), timezone: 'Asia/Tokyo', roles: { admin: ['console'], operator: ['irc:account:bob'] }, ...overrides },
    {},
  );
  const log = pino({ level: 'silent' });
  let clock = fixedClock(start);
  let core = await buildCore(config, { log, clock });
  let seen = 0;
  const posts = async () =>
    (await core.db.all<{ channel: string; body: string }>('SELECT channel, body FROM outbox ORDER BY id')).map((r) => ({
      channel: r.channel,
      text: renderPlain(JSON.parse(r.body) as RichText),
    }));
  const h: Harness = {
    get core() {
      return core;
    },
    get clock() {
      return clock;
    },
    async ask(text, user = OPERATOR, o = {}) {
      const channel = o.channel ?? 'irc:#ops';
      const r = await core.dispatcher.handle({
        platform: channel.startsWith('irc:') ? 'irc' : channel.startsWith('slack:') ? 'slack' : 'console',
        channel,
        user: { id: user.name, name: user.name, ...(user.identity !== undefined && { identity: user.identity }) },
        text,
        ...(o.direct && { direct: true }),
        receivedAt: clock.now(),
      });
      if (!r) throw new Error(`the bot ignored ${JSON.stringify(text)}`);
      return { text: renderPlain(r.body), ok: r.ok };
    },
    async tick(times = 1) {
      for (let i = 0; i < times; i++) await core.services.maintenance.tick();
    },
    async restart(at) {
      await core.close();
      clock = fixedClock(at);
      core = await buildCore(config, { log, clock });
      await core.services.maintenance.tick();
    },
    posts,
    async newPosts() {
      const all = await posts();
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    },
    async statusOf(name) {
      return (await core.services.inventory.get(name))!.status;
    },
    async cleanup() {
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  harnesses.push(h);
  if (opts.seed !== false) {
    const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
    expect(r.rejected).toEqual([]);
  }
  return h;
}

const windowCount = async (h: Harness) => (await h.core.db.value<number>('SELECT COUNT(*) FROM maintenance_windows'))!;
const countPosts = async (h: Harness, re: RegExp) => (await h.posts()).filter((p) => re.test(p.text)).length;
const alertFor = (host: string, title: string) => fromGeneric({ title, severity: 'critical', host }, { hostLabels: ['host'] });

describe('!maint start and the window model', () => {
  it('starts a window now: hosts (names and globs) go to maintenance, the channel hears it, !server shows it', async () => {
    const h = await harness();
    const r = await h.ask('!maint start kernel update hosts=web01,web0[2-4] for=2h');
    expect(r.ok).toBe(true);
    // web03/web04 do not exist: the glob covers what it matches (web02).
    expect(r.text).toMatch(/^maintenance #1 started: kernel update — 2 hosts until 2026-11-27 12:00 GMT\+9$/);

    const w = (await h.core.services.maintenanceStore.get(1))!;
    expect(w).toMatchObject({ id: 1, title: 'kernel update', targets: 'web01,web0[2-4]', status: 'in_progress', owner: 'bob', channels: ['irc:#ops'] });
    expect(w.starts_at).toBe('2026-11-27T01:00:00.000Z');
    expect(w.ends_at).toBe('2026-11-27T03:00:00.000Z');

    expect(await h.statusOf('web01')).toBe('maintenance');
    expect(await h.statusOf('web02')).toBe('maintenance');
    expect(await h.statusOf('web10')).toBe('working');

    expect(await h.posts()).toEqual([
      { channel: 'irc:#ops', text: expect.stringMatching(/^🛠 started: maintenance #1 kernel update — 2 hosts \(web01, web02\) in maintenance until 2026-11-27 12:00 GMT\+9$/) },
    ]);

    const server = await h.ask('!server web01', NOBODY);
    expect(server.text.split('\n')[0]).toMatch(/^web01 · maintenance ·/);
    expect(server.text.split('\n')[1]).toBe('in maintenance #1 kernel update until 2026-11-27 12:00 GMT+9 (owner bob)');
    expect((await h.ask('!server web10', NOBODY)).text).not.toMatch(/in maintenance/);
  });

  it('records each host going into maintenance in its history with the window id', async () => {
    const h = await harness();
    await h.ask('!maint start disk swap hosts=web01 for=1h');
    const id = (await h.core.services.inventory.get('web01'))!.id;
    expect((await h.core.services.inventory.history(id, 1))[0]).toMatchObject({ from_status: 'working', to_status: 'maintenance', maintenance_id: 1 });
    expect((await h.ask('!server history web01', NOBODY)).text).toMatch(/working → maintenance by maintenance #1 — disk swap \(maintenance #1\)/);
  });

  it('resolves role:NAME and globs when the window starts, not when it is planned', async () => {
    const h = await harness();
    expect((await h.ask('!maint schedule rack move in=1h for=1h hosts=web1*,role:db:master')).ok).toBe(true);
    // A host added after planning but before the start is covered.
    await importServers(h.core.services.inventory, 'name,roles,status\nweb11,blog:app,working\n', 'csv', { actor: 'test', source: 'late.csv' });
    h.clock.advance(60 * 60_000);
    await h.tick();
    const hosts: string[] = [];
    for (const x of await h.core.services.maintenanceStore.hosts(1)) hosts.push((await h.core.services.inventory.getById(x.server_id))!.name);
    hosts.sort();
    expect(hosts).toEqual(['db12', 'web10', 'web11']);
    expect(await h.statusOf('web11')).toBe('maintenance');
    expect(await h.statusOf('db13')).toBe('poweroff');
  });

  it('refuses the operator subcommands to an unidentified user and changes nothing', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01 for=1h');
    const before = (await h.posts()).length;
    for (const line of [
      '!maint start x hosts=web02 for=1h',
      '!maint schedule x in=30m for=1h hosts=web02',
      '!maint update 1 progress',
      '!maint extend 1 30m',
      '!maint done 1',
      '!maint cancel 1',
    ]) {
      const r = await h.ask(line, NOBODY);
      expect(r.ok, line).toBe(false);
      expect(r.text, line).toMatch(/needs the operator role; you are not identified/);
    }
    expect(await windowCount(h)).toBe(1);
    expect((await h.core.services.maintenanceStore.get(1))!.status).toBe('in_progress');
    expect(await h.posts()).toHaveLength(before);
    // Reading is for everyone.
    expect((await h.ask('!maint', NOBODY)).ok).toBe(true);
    expect((await h.ask('!maint 1', NOBODY)).ok).toBe(true);
    expect((await h.ask('!maint host web01', NOBODY)).ok).toBe(true);
    // An admin may do what an operator may.
    expect((await h.ask('!maint done 1', ADMIN)).ok).toBe(true);
  });
});

describe('!maint schedule: times in the configured zone', () => {
  it('plans at= an absolute time, read and shown in Asia/Tokyo with the zone', async () => {
    const h = await harness();
    const r = await h.ask('!maint schedule db patch at="2026-12-01 02:00" for=2h hosts=db*');
    expect(r.ok).toBe(true);
    expect(r.text).toBe('maintenance #1 planned: scheduled #1 db patch 2026-12-01 02:00 GMT+9–2026-12-01 04:00 GMT+9 on db* (owner bob)');
    const w = (await h.core.services.maintenanceStore.get(1))!;
    expect(w.status).toBe('scheduled');
    expect(w.starts_at).toBe('2026-11-30T17:00:00.000Z');
    expect(w.ends_at).toBe('2026-11-30T19:00:00.000Z');
    // Planned: nobody is in maintenance yet and no host is recorded.
    expect(await h.statusOf('db12')).toBe('working');
    expect(await h.core.services.maintenanceStore.hosts(1)).toEqual([]);
  });

  it('plans in= relative to now and at="tomorrow 02:00" in the zone', async () => {
    const h = await harness();
    expect((await h.ask('!maint schedule swap in=30m for=1h hosts=web01')).text).toMatch(/#1 swap 2026-11-27 10:30 GMT\+9–2026-11-27 11:30 GMT\+9/);
    expect((await h.core.services.maintenanceStore.get(1))!.starts_at).toBe('2026-11-27T01:30:00.000Z');
    // Friday 10:00 JST: tomorrow 02:00 is Saturday 02:00 JST = Friday 17:00 UTC.
    expect((await h.ask('!maint schedule patch at="tomorrow 02:00" for=1h hosts=web01')).text).toMatch(/#2 patch 2026-11-28 02:00 GMT\+9–/);
    expect((await h.core.services.maintenanceStore.get(2))!.starts_at).toBe('2026-11-27T17:00:00.000Z');
    // An explicit zone is honoured and shown in the configured one.
    expect((await h.ask('!maint schedule z at="2026-12-01 02:00 UTC" for=1h hosts=web01')).text).toMatch(/#3 z 2026-12-01 11:00 GMT\+9/);
  });

  it('reads and shows times in another configured zone (Europe/Berlin)', async () => {
    // Friday 2026-11-27 10:00 CET.
    const h = await harness({ timezone: 'Europe/Berlin' }, '2026-11-27T09:00:00Z');
    const r = await h.ask('!maint schedule patch at="tomorrow 02:00" for=2h hosts=web01');
    expect(r.text).toMatch(/2026-11-28 02:00 (GMT\+1|CET)–2026-11-28 04:00 (GMT\+1|CET)/);
    expect((await h.core.services.maintenanceStore.get(1))!.starts_at).toBe('2026-11-28T01:00:00.000Z');
    expect((await h.ask('!maint start now hosts=web02 for=30m')).text).toMatch(/until 2026-11-27 10:30 (GMT\+1|CET)$/);
  });

  it('refuses an ambiguous (DST) or non-existent local time with a message that says what to type', async () => {
    const h = await harness({ timezone: 'Europe/Berlin' }, '2026-03-20T09:00:00Z');
    const gap = await h.ask('!maint schedule x at="2026-03-29 02:30" for=1h hosts=web01');
    expect(gap.ok).toBe(false);
    expect(gap.text).toMatch(/2026-03-29 02:30 does not exist in Europe\/Berlin: clocks jump from 02:00 to 03:00; use e\.g\. 2026-03-29 03:00/);
    const twice = await h.ask('!maint schedule x at="2026-10-25 02:30" for=1h hosts=web01');
    expect(twice.ok).toBe(false);
    expect(twice.text).toMatch(/2026-10-25 02:30 happens twice in Europe\/Berlin .*add the offset, e\.g\. 2026-10-25 02:30\+02:00 or 2026-10-25 02:30\+01:00/);
    expect(await windowCount(h)).toBe(0);
    // With the offset it is accepted.
    expect((await h.ask('!maint schedule x at="2026-10-25 02:30+01:00" for=1h hosts=web01')).ok).toBe(true);
    expect((await h.core.services.maintenanceStore.get(1))!.starts_at).toBe('2026-10-25T01:30:00.000Z');
  });

  it('refuses a time in the past', async () => {
    const h = await harness();
    const past = await h.ask('!maint schedule x at="2026-11-01 02:00" for=1h hosts=web01');
    expect(past.ok).toBe(false);
    expect(past.text).toMatch(/^2026-11-01 02:00 GMT\+9 is in the past \(it is now 2026-11-27 10:00 GMT\+9\); give a later time/);
    const today = await h.ask('!maint schedule x at="02:00" for=1h hosts=web01');
    expect(today.ok).toBe(false);
    expect(today.text).toMatch(/02:00 today has passed; use tomorrow 02:00/);
    expect(await windowCount(h)).toBe(0);
  });

  it('gives a clear one-line error for each kind of bad input, and plans nothing', async () => {
    const h = await harness();
    const cases: Array<[string, RegExp]> = [
      ['!maint start kernel update for=2h', /^which hosts\? usage: !maint start TITLE… hosts=LIST for=DURATION \(e\.g\. !maint start /],
      ['!maint schedule x at="2026-12-01 02:00" for=1h', /^which hosts\?/],
      ['!maint start kernel update hosts=web1 for=2h', /^no server 'web1' — did you mean web01, web10\?$/],
      ['!maint start kernel update hosts=web01,dbx12 for=2h', /^no server 'dbx12' — did you mean .*db12/],
      ['!maint start kernel update hosts=zz* for=2h', /^zz\* matches no host in the inventory$/],
      ['!maint start kernel update hosts=role:nope for=2h', /^role:nope matches no host/],
      ['!maint start kernel update hosts=, for=2h', /^no hosts given: use hosts=/],
      ['!maint start kernel update hosts=web01', /^for how long\?/],
      ['!maint start kernel update hosts=web01 for=0', /^'0' is not a duration .*use e\.g\. 30m, 2h or 1h30m$/],
      ['!maint start kernel update hosts=web01 for=0m', /^'0m' is no time at all .*use e\.g\. 30m/],
      ['!maint start kernel update hosts=web01 for=31d', /^'31d' is too long .*at most 30d/],
      ['!maint start hosts=web01 for=1h', /^a maintenance needs a title/],
      ['!maint schedule x for=1h hosts=web01', /^say when with exactly one of at=, in= or every=/],
      ['!maint schedule x at="2026-12-01 02:00" in=30m for=1h hosts=web01', /^say when with exactly one of at=, in= or every=/],
      ['!maint schedule x at="whenever" for=1h hosts=web01', /^'whenever' is not a time I understand: use e\.g\. 2026-12-01 02:00/],
      ['!maint schedule x at="2026-02-30 02:00" for=1h hosts=web01', /^'2026-02-30 02:00' is not a date: 2026-02 has 28 days/],
      ['!maint schedule x at="2026-12-01 2pm" for=1h hosts=web01', /uses am\/pm: write 24-hour time/],
      ['!maint schedule x every="0 3 * *" for=1h hosts=web01', /^'0 3 \* \*' is not a cron expression: use five fields/],
      ['!maint schedule x every="61 3 * * 0" for=1h hosts=web01', /^'61 3 \* \* 0' is not a cron expression/],
      ['!maint schedule x every="*/15 * * * * *" for=1h hosts=web01', /is not a cron expression: use five fields/],
      ['!maint schedule x every="sundays" for=1h hosts=web01', /is not a cron expression/],
      ['!maint abc', /^'abc' is not a maintenance id: use the number shown as #ID/],
      ['!maint 12abc', /is not a maintenance id/],
      ['!maint 999', /^no maintenance #999$/],
      ['!maint update x it is going well', /^'x' is not a maintenance id/],
      ['!maint update 999 news', /^no maintenance #999$/],
      ['!maint done', /^usage: !maint done ID/],
      ['!maint cancel #abc', /is not a maintenance id/],
      ['!maint extend 999 30m', /^no maintenance #999$/],
      ['!maint host', /^usage: !maint host NAME/],
      ['!maint host web1', /^no server 'web1'/],
    ];
    for (const [line, re] of cases) {
      const r = await h.ask(line);
      expect(r.ok, line).toBe(false);
      expect(r.text, line).toMatch(re);
      expect(r.text.split('\n'), line).toHaveLength(1);
    }
    expect(await windowCount(h)).toBe(0);
    expect(await h.core.db.value('SELECT COUNT(*) FROM maintenance_schedules')).toBe(0);
    expect(await h.posts()).toEqual([]);
  });

  it('refuses extend without a usable duration, and update without text', async () => {
    const h = await harness();
    await h.ask('!maint start x hosts=web01 for=1h');
    expect((await h.ask('!maint extend 1')).text).toMatch(/^usage: !maint extend ID DURATION \(e\.g\. !maint extend 12 30m\)$/);
    expect((await h.ask('!maint extend 1 soon')).text).toMatch(/^'soon' is not a duration/);
    expect((await h.ask('!maint extend 1 0m')).text).toMatch(/^'0m' is no time at all/);
    expect((await h.ask('!maint update 1')).text).toMatch(/^what is the news\? usage: !maint update ID TEXT…/);
    expect((await h.core.services.maintenanceStore.get(1))!.ends_at).toBe('2026-11-27T02:00:00.000Z');
  });
});

describe('!maint, !maint ID, !maint host', () => {
  it('lists running windows first, then those in the next 24 h, and nothing later or finished', async () => {
    const h = await harness();
    expect((await h.ask('!maint', NOBODY)).text).toBe('no maintenance running or planned in the next 24 h');
    await h.ask('!maint schedule tomorrow at="tomorrow 02:00" for=1h hosts=db12'); // #1, in 16 h
    await h.ask('!maint schedule later at="2026-11-30 02:00" for=1h hosts=db13'); // #2, beyond 24 h
    await h.ask('!maint start now hosts=web01 for=1h'); // #3, running
    await h.ask('!maint start finished hosts=web02 for=1h'); // #4
    await h.ask('!maint done 4');
    const r = await h.ask('!maint', NOBODY);
    expect(r.text.split('\n')).toEqual([
      '2 maintenance windows (running, then the next 24 h):',
      '- in progress #3 now 2026-11-27 10:00 GMT+9–2026-11-27 11:00 GMT+9 on web01 (owner bob)',
      '- scheduled #1 tomorrow 2026-11-28 02:00 GMT+9–2026-11-28 03:00 GMT+9 on db12 (owner bob)',
    ]);
  });

  it('cuts the list at five windows with "…and N more"', async () => {
    const h = await harness();
    for (let i = 1; i <= 7; i++) await h.ask(`!maint schedule w${i} in=${i}h for=30m hosts=web01`);
    const lines = (await h.ask('!maint')).text.split('\n');
    expect(lines[0]).toBe('7 maintenance windows (running, then the next 24 h):');
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toBe('…and 2 more');
  });

  it('shows one window in detail: status, hosts, channels and the timeline with who and when', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01,web02 for=2h');
    h.clock.advance(10 * 60_000);
    await h.ask('!maint update 1 web01 rebooted, starting web02');
    h.clock.advance(5 * 60_000);
    await h.ask('!maint extend 1 30m', { name: 'carol', identity: 'console' });
    const lines = (await h.ask('!maint 1', NOBODY)).text.split('\n');
    expect(lines).toEqual([
      'in progress #1 kernel update 2026-11-27 10:00 GMT+9–2026-11-27 12:30 GMT+9 on web01,web02 (owner bob)',
      'hosts (2): web01, web02',
      'announces to irc:#ops',
      '- 2026-11-27 10:15 GMT+9 extended by carol — until 2026-11-27 12:30 GMT+9',
      '- 2026-11-27 10:10 GMT+9 update by bob — web01 rebooted, starting web02',
      '- 2026-11-27 10:00 GMT+9 started by opsbridge',
      '- 2026-11-27 10:00 GMT+9 planned by irc:account:bob',
    ]);
    // '#1' is accepted as well as '1'.
    expect((await h.ask('!maint #1', NOBODY)).text.split('\n')[0]).toBe(lines[0]);
  });

  it('!maint host shows a host\'s planned, running and past windows', async () => {
    const h = await harness();
    await h.ask('!maint start old hosts=web01 for=1h');
    h.clock.advance(60 * 60_000);
    await h.ask('!maint done 1');
    await h.ask('!maint start running hosts=web0* for=1h');
    await h.ask('!maint schedule planned at="tomorrow 02:00" for=1h hosts=web0[1-3]');
    await h.ask('!maint schedule other at="tomorrow 02:00" for=1h hosts=db12');
    const r = await h.ask('!maint host web01', NOBODY);
    const lines = r.text.split('\n');
    expect(lines[0]).toBe('web01 maintenance windows (3):');
    expect(lines.slice(1).map((l) => l.replace(/ \d{4}-.*$/, ''))).toEqual(['- scheduled #3 planned', '- in progress #2 running', '- done #1 old']);
    expect((await h.ask('!maint host web10', NOBODY)).text).toBe('web10: no maintenance windows');
  });
});

describe('update, extend, done, cancel', () => {
  it('posts an update to every channel of the window: where it was planned and the configured ones', async () => {
    const h = await harness({ maintenance: { channels: ['slack:#maint'] } });
    await h.ask('!maint start kernel update hosts=web01 for=1h');
    await h.newPosts();
    expect((await h.ask('!maint update 1 halfway there')).text).toBe('#1: update posted');
    expect(await h.newPosts()).toEqual([
      { channel: 'irc:#ops', text: '🛠 #1 kernel update: halfway there — bob' },
      { channel: 'slack:#maint', text: '🛠 #1 kernel update: halfway there — bob' },
    ]);
    expect((await h.core.services.maintenanceStore.updates(1, 1))[0]).toMatchObject({ actor: 'bob', kind: 'update', text: 'halfway there' });
  });

  it('a window planned in a private message announces to the configured channels only', async () => {
    const h = await harness({ maintenance: { channels: ['slack:#maint'] } });
    await h.ask('!maint start dm plan hosts=web01 for=1h', OPERATOR, { channel: 'irc:bob', direct: true });
    expect((await h.core.services.maintenanceStore.get(1))!.channels).toEqual(['slack:#maint']);
    expect((await h.posts()).map((p) => p.channel)).toEqual(['slack:#maint']);
  });

  it('extends the planned end and says so; done restores hosts and reports', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01,web02 for=1h');
    expect((await h.ask('!maint extend 1 30m')).text).toBe('maintenance #1 now ends 2026-11-27 11:30 GMT+9');
    h.clock.advance(80 * 60_000);
    const done = await h.ask('!maint done 1 all patched');
    expect(done.text).toBe('maintenance #1 done — 2 hosts back — 0 alerts were suppressed');
    expect((await h.posts()).map((p) => p.text)).toEqual([
      expect.stringMatching(/^🛠 started: maintenance #1/),
      '🛠 #1 kernel update extended until 2026-11-27 11:30 GMT+9 — bob',
      '✅ done: maintenance #1 kernel update after 1h 20m — all patched — web01, web02 back to working/standby — 0 alerts were suppressed',
    ]);
    expect(await h.statusOf('web01')).toBe('working');
    expect(await h.statusOf('web02')).toBe('standby');
    const w = (await h.core.services.maintenanceStore.get(1))!;
    expect(w.status).toBe('done');
    expect(w.finished_at).toBe('2026-11-27T02:20:00.000Z');
    expect((await h.ask('!maint done 1')).text).toBe('maintenance #1 is already done');
    expect((await h.ask('!maint extend 1 30m')).text).toMatch(/^maintenance #1 is done; plan a new one/);
    expect((await h.ask('!maint update 1 late news')).text).toMatch(/^maintenance #1 is done/);
  });

  it('done is refused for a window that has not started; cancel drops it and nothing is announced later', async () => {
    const h = await harness();
    await h.ask('!maint schedule vendor visit in=1h for=1h hosts=db12');
    const r = await h.ask('!maint done 1');
    expect(r.ok).toBe(false);
    expect(r.text).toBe('maintenance #1 has not started; !maint cancel 1 to drop it');
    expect((await h.ask('!maint cancel 1 vendor postponed')).text).toBe('maintenance #1 cancelled');
    expect((await h.posts()).map((p) => p.text)).toEqual(['✖ cancelled: maintenance #1 vendor visit — vendor postponed']);
    h.clock.advance(3 * 60 * 60_000);
    await h.tick(3);
    expect(await h.posts()).toHaveLength(1);
    expect(await h.statusOf('db12')).toBe('working');
    expect((await h.ask('!maint cancel 1')).text).toBe('maintenance #1 is already cancelled');
  });

  it('cancelling a running window gives the hosts their status back', async () => {
    const h = await harness();
    await h.ask('!maint start failover hosts=role:db:master for=1h');
    expect(await h.statusOf('db12')).toBe('maintenance');
    await h.ask('!maint cancel 1 aborted');
    expect(await h.statusOf('db12')).toBe('working');
    expect((await h.posts()).at(-1)!.text).toMatch(/^✖ cancelled: maintenance #1 failover after 0s — aborted — db12 back to working/);
  });
});

describe('scheduled announcements', () => {
  it('announces the lead time, the start and the overdue end exactly once per due time however often tick() runs', async () => {
    const h = await harness();
    await h.ask('!maint schedule kernel update at="2026-11-27 12:00" for=1h hosts=web01'); // 03:00Z–04:00Z
    await h.tick(5);
    expect(await h.newPosts()).toEqual([]);

    h.clock.set('2026-11-27T02:44:59Z');
    await h.tick(5);
    expect(await h.newPosts()).toEqual([]);
    h.clock.set('2026-11-27T02:45:00Z');
    await h.tick(5);
    expect(await h.newPosts()).toEqual([{ channel: 'irc:#ops', text: '🛠 in 15m: maintenance #1 kernel update 2026-11-27 12:00 GMT+9–2026-11-27 13:00 GMT+9 on web01 (owner bob)' }]);
    h.clock.set('2026-11-27T02:50:00Z');
    await h.tick(5);
    expect(await h.newPosts()).toEqual([]);

    h.clock.set('2026-11-27T03:00:00Z');
    await h.tick(5);
    expect((await h.newPosts()).map((p) => p.text)).toEqual(['🛠 started: maintenance #1 kernel update — 1 host (web01) in maintenance until 2026-11-27 13:00 GMT+9']);
    expect(await h.statusOf('web01')).toBe('maintenance');

    h.clock.set('2026-11-27T03:59:59Z');
    await h.tick(5);
    expect(await h.newPosts()).toEqual([]);
    h.clock.set('2026-11-27T04:00:00Z');
    await h.tick(5);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([
      '⏰ overdue: maintenance #1 kernel update — planned end 2026-11-27 13:00 GMT+9 passed 0s ago; !maint done 1 or !maint extend 1 30m',
    ]);
    expect((await h.core.services.maintenanceStore.get(1))!.status).toBe('overdue');
    expect((await h.ask('!maint')).text).toMatch(/^- overdue #1 kernel update/m);

    // Then every 30 minutes, once each.
    h.clock.set('2026-11-27T04:29:00Z');
    await h.tick(5);
    expect(await h.newPosts()).toEqual([]);
    h.clock.set('2026-11-27T04:30:00Z');
    await h.tick(5);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^⏰ overdue: maintenance #1 .*passed 30m ago/)]);
    h.clock.set('2026-11-27T05:00:00Z');
    await h.tick(5);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/passed 1h ago/)]);

    await h.ask('!maint done 1');
    await h.newPosts();
    h.clock.set('2026-11-27T08:00:00Z');
    await h.tick(5);
    expect(await h.newPosts()).toEqual([]);
  });

  it('honours maintenance.lead_time and maintenance.overdue_every', async () => {
    const h = await harness({ maintenance: { lead_time: '1h', overdue_every: '10m' } });
    await h.ask('!maint schedule x at="2026-11-27 13:00" for=30m hosts=web01'); // 04:00Z
    h.clock.set('2026-11-27T02:59:00Z');
    await h.tick();
    expect(await h.newPosts()).toEqual([]);
    h.clock.set('2026-11-27T03:00:00Z');
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^🛠 in 1h: maintenance #1 x/)]);
    h.clock.set('2026-11-27T04:00:05Z');
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^🛠 started:/)]);
    h.clock.set('2026-11-27T04:30:00Z');
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^⏰ overdue:.*passed 0s ago/)]);
    h.clock.set('2026-11-27T04:40:00Z');
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^⏰ overdue:.*passed 10m ago/)]);
  });

  it('a window planned inside the lead time is announced at once with the time left', async () => {
    const h = await harness();
    await h.ask('!maint schedule quick fix in=10m for=30m hosts=web01');
    await h.tick(3);
    expect((await h.posts()).map((p) => p.text)).toEqual([expect.stringMatching(/^🛠 in 10m: maintenance #1 quick fix/)]);
  });

  it('extending an overdue window counts from now, makes it in progress again and restarts the overdue clock', async () => {
    const h = await harness();
    await h.ask('!maint start x hosts=web01 for=1h');
    h.clock.set('2026-11-27T02:10:00Z');
    await h.tick();
    expect((await h.core.services.maintenanceStore.get(1))!.status).toBe('overdue');
    expect((await h.ask('!maint extend 1 30m')).text).toBe('maintenance #1 now ends 2026-11-27 11:40 GMT+9');
    expect((await h.core.services.maintenanceStore.get(1))!.status).toBe('in_progress');
    await h.newPosts();
    h.clock.set('2026-11-27T02:39:00Z');
    await h.tick(3);
    expect(await h.newPosts()).toEqual([]);
    h.clock.set('2026-11-27T02:40:00Z');
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^⏰ overdue: maintenance #1 x — planned end 2026-11-27 11:40 GMT\+9 passed 0s ago/)]);
  });
});

describe('host status at the start and the end', () => {
  it('leaves a host alone at the end when someone changed its status meanwhile, and says so', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01,web10 for=1h');
    await h.ask('!server set web10 status=poweroff dead PSU', ADMIN);
    const r = await h.ask('!maint done 1');
    expect(r.text).toMatch(/— 1 host back — .*left alone: web10 \(now poweroff, set by console\)/);
    expect(await h.statusOf('web01')).toBe('working');
    expect(await h.statusOf('web10')).toBe('poweroff');
    expect((await h.posts()).at(-1)!.text).toMatch(/^✅ done: maintenance #1 kernel update .*— web01 back to working — .*— left alone: web10 \(now poweroff, set by console\)$/);
  });

  it('two windows on one host: the first done leaves it in maintenance, the second done restores it', async () => {
    const h = await harness();
    await h.ask('!maint start A hosts=web01 for=2h');
    await h.ask('!maint start B hosts=web0* for=2h');
    expect(await h.statusOf('web01')).toBe('maintenance');
    const a = await h.ask('!maint done 1');
    expect(a.text).toMatch(/left alone: web01 \(still in #2\)/);
    expect(await h.statusOf('web01')).toBe('maintenance');
    expect((await h.ask('!server web01', NOBODY)).text).toMatch(/in maintenance #2 B/);
    await h.ask('!maint done 2');
    expect(await h.statusOf('web01')).toBe('working');
    expect(await h.statusOf('web02')).toBe('standby');
    const id = (await h.core.services.inventory.get('web01'))!.id;
    // One way in and one way out, no status churn in between.
    expect((await h.core.services.inventory.history(id, 10)).filter((x) => x.maintenance_id !== null).map((x) => `${x.from_status}→${x.to_status}`)).toEqual([
      'maintenance→working',
      'working→maintenance',
    ]);
  });

  it('the same overlap ended in the other order also restores the host once', async () => {
    const h = await harness();
    await h.ask('!maint start A hosts=web01 for=2h');
    await h.ask('!maint start B hosts=web01 for=2h');
    expect((await h.ask('!maint done 2')).text).toMatch(/left alone: web01 \(still in #1\)/);
    expect(await h.statusOf('web01')).toBe('maintenance');
    await h.ask('!maint done 1');
    expect(await h.statusOf('web01')).toBe('working');
  });

  it('a host set to standby during window A and then covered by window B gets standby back when B ends', async () => {
    const h = await harness();
    await h.ask('!maint start A hosts=web01 for=2h');
    await h.ask('!server set web01 status=standby cabling', ADMIN);
    await h.ask('!maint start B hosts=web01 for=2h');
    await h.ask('!maint done 1');
    await h.ask('!maint done 2');
    expect(await h.statusOf('web01')).toBe('standby');
  });
});

describe('restart', () => {
  it('a one-off window whose start passed while the bot was down starts at the first tick after a restart, once', async () => {
    const h = await harness();
    await h.ask('!maint schedule kernel update at="sun 03:00" for=1h hosts=web01'); // Sunday 2026-11-29 03:00 JST = 11-28 18:00Z
    expect((await h.core.services.maintenanceStore.get(1))!.starts_at).toBe('2026-11-28T18:00:00.000Z');
    await h.restart('2026-11-28T18:30:00Z');
    const started = (await h.posts()).filter((p) => /started:/.test(p.text));
    expect(started).toEqual([
      { channel: 'irc:#ops', text: '🛠 started: maintenance #1 kernel update — 1 host (web01) in maintenance until 2026-11-29 04:00 GMT+9 (started late: planned 2026-11-29 03:00 GMT+9)' },
    ]);
    // No lead announcement for a start that has already come.
    expect(await countPosts(h, /^🛠 in /)).toBe(0);
    expect(await h.statusOf('web01')).toBe('maintenance');
    expect((await h.core.services.maintenanceStore.updates(1, 1))[0]).toMatchObject({ kind: 'started', text: 'late: planned 2026-11-29 03:00 GMT+9' });
    await h.tick(10);
    await h.restart('2026-11-28T18:31:00Z');
    await h.tick(10);
    expect(await countPosts(h, /started:/)).toBe(1);
  });

  it('the start after a restart at 03:00:30 happens at once', async () => {
    const h = await harness();
    await h.ask('!maint schedule kernel update at="sun 03:00" for=1h hosts=web01');
    await h.restart('2026-11-28T18:00:30Z');
    expect(await countPosts(h, /^🛠 started: maintenance #1/)).toBe(1);
    expect(await h.statusOf('web01')).toBe('maintenance');
  });

  it('the start announcement after a restart at 03:00:30 says it started late', async () => {
    const h = await harness();
    await h.ask('!maint schedule kernel update at="sun 03:00" for=1h hosts=web01');
    await h.restart('2026-11-28T18:00:30Z');
    expect((await h.posts()).find((p) => /started:/.test(p.text))!.text).toMatch(/started late/);
  });

  it('scenario: a recurring window planned on Friday in Tokyo is announced at 02:45 and starts Sunday 03:00 across restarts', async () => {
    const h = await harness();
    const r = await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*');
    expect(r.text).toBe('recurring maintenance planned: db backup every "0 3 * * 0" (Asia/Tokyo) for 1h — next at 2026-11-29 03:00 GMT+9');
    // Down Friday evening, up again on Saturday.
    await h.restart('2026-11-28T03:00:00Z'); // Saturday 12:00 JST
    await h.tick(5);
    expect(await h.posts()).toEqual([]);
    // Down again, up on Sunday before the lead time.
    await h.restart('2026-11-28T17:40:00Z'); // Sunday 02:40 JST
    await h.tick(3);
    expect(await h.posts()).toEqual([]);
    h.clock.set('2026-11-28T17:45:00Z'); // 02:45 JST
    await h.tick(3);
    expect(await h.newPosts()).toEqual([{ channel: 'irc:#ops', text: '🛠 in 15m: maintenance #1 db backup 2026-11-29 03:00 GMT+9–2026-11-29 04:00 GMT+9 on db* (owner bob)' }]);
    h.clock.set('2026-11-28T18:00:00Z'); // 03:00 JST
    await h.tick(3);
    expect(await h.newPosts()).toEqual([{ channel: 'irc:#ops', text: '🛠 started: maintenance #1 db backup — 2 hosts (db12, db13) in maintenance until 2026-11-29 04:00 GMT+9' }]);
    expect(await h.statusOf('db12')).toBe('maintenance');
    expect(await h.statusOf('db13')).toBe('maintenance');
    expect(await h.core.services.maintenanceStore.get(1)).toMatchObject({ schedule_id: 1, status: 'in_progress', starts_at: '2026-11-28T18:00:00.000Z', ends_at: '2026-11-28T19:00:00.000Z' });
    // Done: db13 goes back to poweroff, db12 to working.
    await h.ask('!maint done 1');
    expect(await h.statusOf('db12')).toBe('working');
    expect(await h.statusOf('db13')).toBe('poweroff');
    // The next occurrence is a week later, again with its lead announcement.
    h.clock.set('2026-12-05T17:45:00Z');
    await h.tick(3);
    h.clock.set('2026-12-05T18:00:00Z');
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([
      expect.stringMatching(/^✅ done: maintenance #1/),
      expect.stringMatching(/^🛠 in 15m: maintenance #2 db backup 2026-12-06 03:00 GMT\+9/),
      expect.stringMatching(/^🛠 started: maintenance #2 db backup/),
    ]);
  });

  it('scenario, bot down at 02:45: the recurring window starts at the first tick after 03:00, late, once, across two more restarts', async () => {
    const h = await harness();
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*');
    await h.restart('2026-11-28T18:05:00Z'); // Sunday 03:05 JST
    await h.tick(5);
    expect((await h.posts()).map((p) => p.text)).toEqual([
      '🛠 started: maintenance #1 db backup — 2 hosts (db12, db13) in maintenance until 2026-11-29 04:00 GMT+9 (started late: planned 2026-11-29 03:00 GMT+9)',
    ]);
    await h.restart('2026-11-28T18:06:00Z');
    await h.tick(5);
    await h.restart('2026-11-28T18:07:00Z');
    await h.tick(5);
    expect(await h.posts()).toHaveLength(1);
    expect(await windowCount(h)).toBe(1);
    expect(await h.core.services.maintenanceStore.hosts(1)).toHaveLength(2);
    const db12 = (await h.core.services.inventory.get('db12'))!.id;
    expect((await h.core.services.inventory.history(db12, 10)).filter((x) => x.to_status === 'maintenance')).toHaveLength(1);
  });

  it('nothing is announced twice across restarts: lead, start and overdue', async () => {
    const h = await harness();
    await h.ask('!maint schedule x at="2026-11-27 12:00" for=1h hosts=web01'); // 03:00Z–04:00Z
    for (const at of ['2026-11-27T02:45:00Z', '2026-11-27T02:46:00Z', '2026-11-27T03:00:00Z', '2026-11-27T03:00:15Z', '2026-11-27T04:00:00Z', '2026-11-27T04:10:00Z']) {
      await h.restart(at);
      await h.tick(4);
      await h.restart(at);
      await h.tick(4);
    }
    expect(await countPosts(h, /^🛠 in /)).toBe(1);
    expect(await countPosts(h, /^🛠 started:/)).toBe(1);
    expect(await countPosts(h, /^⏰ overdue:/)).toBe(1);
    expect(await h.posts()).toHaveLength(3);
  });

  it('a window running when the bot stops is still running after the restart and ends normally', async () => {
    const h = await harness();
    await h.ask('!maint start x hosts=web02 for=1h');
    await h.restart('2026-11-27T01:30:00Z');
    expect(await h.statusOf('web02')).toBe('maintenance');
    expect((await h.ask('!maint done 1')).ok).toBe(true);
    expect(await h.statusOf('web02')).toBe('standby');
  });

  it('a recurring window in the hour repeated at the end of DST runs once that night', async () => {
    const h = await harness({ timezone: 'Europe/Berlin' }, '2026-10-23T10:00:00Z');
    await h.ask('!maint schedule nightly every="30 2 * * 0" for=30m hosts=web10');
    for (let t = Date.parse('2026-10-24T22:00:00Z'); t <= Date.parse('2026-10-25T04:00:00Z'); t += 60_000) {
      h.clock.set(new Date(t));
      await h.tick();
    }
    const starts = await h.core.db.column("SELECT starts_at FROM maintenance_windows WHERE starts_at LIKE '2026-10-25%'");
    expect(starts).toHaveLength(1);
    expect(await countPosts(h, /^🛠 started:/)).toBe(1);
  });

  it('a recurring window in the skipped hour at the start of DST does not run that night and runs the next week', async () => {
    const h = await harness({ timezone: 'Europe/Berlin' }, '2026-03-27T10:00:00Z');
    const r = await h.ask('!maint schedule nightly every="30 2 * * 0" for=30m hosts=web10');
    expect(r.text).toMatch(/next at 2026-04-05 02:30 (GMT\+2|CEST)$/);
  });
});

describe('recurring windows', () => {
  it('creates one window per occurrence, each with its own hosts and announcements', async () => {
    const h = await harness();
    await h.ask('!maint schedule backup every="0 3 * * 0" for=1h hosts=db12');
    for (const day of ['2026-11-28', '2026-12-05', '2026-12-12']) {
      h.clock.set(`${day}T18:00:00Z`);
      await h.tick(3);
      const w = (await h.core.services.maintenanceStore.list({ status: 'in_progress', limit: 5, offset: 0 })).windows;
      expect(w).toHaveLength(1);
      await h.ask(`!maint done ${w[0]!.id}`);
    }
    expect(await countPosts(h, /^🛠 started: maintenance #\d+ backup — 1 host \(db12\)/)).toBe(3);
    expect(await windowCount(h)).toBe(3);
  });

  it('cancelling one occurrence leaves the following ones', async () => {
    const h = await harness();
    await h.ask('!maint schedule backup every="0 3 * * 0" for=1h hosts=db12');
    h.clock.set('2026-11-28T17:50:00Z');
    await h.tick();
    expect((await h.ask('!maint cancel 1 skip this week')).ok).toBe(true);
    h.clock.set('2026-11-28T18:00:00Z');
    await h.tick();
    expect(await h.statusOf('db12')).toBe('working');
    h.clock.set('2026-12-05T18:00:00Z');
    await h.tick();
    expect(await h.core.services.maintenanceStore.get(2)).toMatchObject({ status: 'in_progress', starts_at: '2026-12-05T18:00:00.000Z' });
  });

  it('!maint lists a recurring occurrence due in the next 24 h', async () => {
    const h = await harness({}, '2026-11-28T11:00:00Z'); // Saturday 20:00 JST
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*');
    const r = await h.ask('!maint', NOBODY);
    expect(r.text).toMatch(/db backup 2026-11-29 03:00 GMT\+9/);
  });

  it('refuses a recurring window whose hosts= glob matches nothing', async () => {
    const h = await harness();
    const r = await h.ask('!maint schedule backup every="0 3 * * 0" for=1h hosts=zz*');
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/zz\* matches no host/);
  });

  it('the reply to a recurring plan names the first window when it is made at once', async () => {
    const h = await harness({}, '2026-11-28T17:50:00Z'); // Sunday 02:50 JST: the first occurrence is inside the lead time
    await h.ask('!maint schedule later at="2026-12-24 09:00" for=1h hosts=web01'); // #1
    const r = await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*');
    expect(await h.core.services.maintenanceStore.get(2)).toMatchObject({ schedule_id: 1 });
    expect(r.text).toMatch(/— next #2 at 2026-11-29 03:00 GMT\+9$/);
  });
});

describe('alerts during a window', () => {
  it('stores alerts for covered hosts without posting them, and the end announcement counts them', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01,web10 for=1h');
    await h.newPosts();
    const { alerts } = h.core.services;
    expect((await alerts.ingest(alertFor('web01', 'Disk full')))[0]).toMatchObject({ outcome: 'suppressed', posted: false });
    expect((await alerts.ingest(alertFor('web01', 'Disk full')))[0]).toMatchObject({ outcome: 'suppressed', posted: false });
    expect((await alerts.ingest(alertFor('web10', 'Load high')))[0]).toMatchObject({ outcome: 'suppressed', posted: false });
    // Not covered: posted as usual.
    expect((await alerts.ingest(alertFor('web02', 'Ping lost')))[0]).toMatchObject({ outcome: 'opened', posted: true });
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/Ping lost on web02/)]);
    const stored = await h.core.db.all("SELECT host, name, suppressed FROM alerts WHERE suppressed = 'maintenance' ORDER BY id");
    expect(stored).toEqual([
      { host: 'web01', name: 'Disk full', suppressed: 'maintenance' },
      { host: 'web10', name: 'Load high', suppressed: 'maintenance' },
    ]);

    h.clock.advance(30 * 60_000);
    const done = await h.ask('!maint done 1');
    expect(done.text).toMatch(/— 2 alerts were suppressed$/);
    const window = (await h.posts()).filter((p) => p.channel === 'irc:#ops').at(-1)!;
    expect(window.text).toMatch(/^✅ done: maintenance #1 kernel update after 30m — web01, web10 back to working — 2 alerts were suppressed$/);
    // After the window the host's alerts are posted again.
    expect((await alerts.ingest(alertFor('web01', 'CPU hot')))[0]).toMatchObject({ outcome: 'opened', posted: true });
  });

  it('keeps suppressing a covered host whose status someone set back to working while the window runs', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01 for=1h');
    await h.ask('!server set web01 status=working back early', ADMIN);
    expect(await h.statusOf('web01')).toBe('working');
    expect((await h.core.services.alerts.ingest(alertFor('web01', 'Disk full')))[0]).toMatchObject({ outcome: 'suppressed', posted: false });
    const done = await h.ask('!maint done 1');
    expect(done.text).toMatch(/1 alert was suppressed/);
    expect(await h.statusOf('web01')).toBe('working');
  });

  it('releases such an alert when the window ends', async () => {
    const h = await harness();
    await h.ask('!maint start kernel update hosts=web01 for=1h');
    await h.ask('!server set web01 status=working back early', ADMIN);
    const [a] = await h.core.services.alerts.ingest(alertFor('web01', 'Disk full'));
    await h.ask('!maint done 1');
    await h.newPosts();
    expect(await h.core.db.value('SELECT suppressed FROM alerts WHERE id = ?', [a!.id])).toBeNull();
  });
});

describe('recurring windows after a long outage, and stopping a series', () => {
  it('occurrences that ended while the bot was down are reported as missed, not started after the fact', async () => {
    const h = await harness();
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*', ADMIN);
    await h.newPosts();
    // Down from Friday until Wednesday 2026-12-16 12:00 JST: three Sundays passed.
    await h.restart('2026-12-16T03:00:00Z');
    await h.tick(5);
    const posts = (await h.newPosts()).map((p) => p.text);
    expect(posts).toEqual([expect.stringMatching(/^🛠 missed: 3 occurrences of recurring maintenance db backup \("0 3 \* \* 0"\) ended while the bot was down$/)]);
    expect(await h.statusOf('db12')).toBe('working');
    // The next Sunday runs as usual, once.
    h.clock.set('2026-12-19T18:00:05Z');
    await h.tick(3);
    expect((await h.newPosts()).filter((p) => p.text.startsWith('🛠 started:'))).toHaveLength(1);
    expect(await h.statusOf('db12')).toBe('maintenance');
  });

  it('!maint cancel ID --series drops the occurrence and stops the schedule', async () => {
    const h = await harness({}, '2026-11-28T17:50:00Z'); // Sunday 02:50 JST: the first occurrence is inside the lead time
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*', ADMIN);
    const r = await h.ask('!maint cancel 1 --series backups moved to the new cluster', ADMIN);
    expect(r.text).toBe('maintenance #1 cancelled (and its recurring schedule stopped)');
    h.clock.set('2026-12-13T18:00:00Z');
    await h.tick(3);
    expect((await h.core.services.maintenanceStore.list({ limit: 10, offset: 0 })).total).toBe(1);
    expect((await h.ask('!maint cancel 1 --series', ADMIN)).text).toBe("recurring maintenance 'db backup' was already stopped");
    await h.ask('!maint start kernel update hosts=web01 for=1h', ADMIN);
    expect((await h.ask('!maint cancel 2 --series', ADMIN)).text).toBe('maintenance #2 is not recurring; drop --series');
  });
});

describe('after the review', () => {
  it('a one-off window whose whole planned time passed while the bot was down is reported missed, not started', async () => {
    const h = await harness();
    await h.ask('!maint schedule patch at="2026-11-27 13:00" for=1h hosts=web01', ADMIN);
    await h.newPosts();
    await h.restart('2026-11-27T08:00:00Z'); // 17:00 JST
    await h.tick(3);
    expect((await h.newPosts()).map((p) => p.text)).toEqual([expect.stringMatching(/^🛠 missed: maintenance #1 patch \(2026-11-27 13:00 .*–2026-11-27 14:00 .*\) passed while the bot was down; it was not started$/)]);
    expect(await h.statusOf('web01')).toBe('working');
    expect((await h.core.services.maintenanceStore.get(1))!.status).toBe('cancelled');
  });

  it('a host renamed since planning is skipped at the start; the roles and other hosts still go to maintenance', async () => {
    const h = await harness();
    await h.ask('!maint schedule patch in=30m for=1h hosts=web01,role:db:master', ADMIN);
    await h.core.db.run("UPDATE servers SET name = 'web01-old' WHERE name = 'web01'");
    h.clock.advance(30 * 60_000);
    await h.tick();
    expect(await h.statusOf('db12')).toBe('maintenance');
    expect((await h.newPosts()).map((p) => p.text).find((t) => t.startsWith('🛠 started:'))).toMatch(/1 host \(db12\).*\(not in the inventory any more: web01\)$/);
  });

  it('a lead announcement already made by another process is not made again', async () => {
    const h = await harness();
    await h.ask('!maint schedule patch in=30m for=1h hosts=web01', ADMIN);
    h.clock.advance(16 * 60_000);
    const w = (await h.core.services.maintenanceStore.get(1))!;
    // Another process announced between our read and our write.
    expect(await h.core.services.maintenanceStore.markLeadAnnounced(w.id)).toBe(true);
    await h.tick(3);
    expect((await h.newPosts()).filter((p) => p.text.startsWith('🛠 in '))).toEqual([]);
  });

  it('!maint cancel --series on a finished window changes nothing, the schedule included', async () => {
    const h = await harness({}, '2026-11-28T17:50:00Z');
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db*', ADMIN);
    h.clock.set('2026-11-28T18:00:10Z');
    await h.tick();
    await h.ask('!maint done 1', ADMIN);
    expect((await h.ask('!maint cancel 1 --series', ADMIN)).text).toBe('maintenance #1 is already done');
    expect((await h.core.services.maintenanceStore.schedule(1))!.cancelled_at).toBeNull();
  });

  it('setting a covered host back to working by hand does not release its alerts while the window runs', async () => {
    const h = await harness();
    await h.ask('!maint start patch hosts=web01 for=1h', ADMIN);
    await h.core.services.alerts.ingest(fromGeneric({ title: 'Disk full', severity: 'critical', host: 'web01' }, { hostLabels: ['host'] }));
    await h.newPosts();
    await h.ask('!server set web01 status=working back early', ADMIN);
    expect((await h.newPosts()).filter((p) => /left maintenance/.test(p.text))).toEqual([]);
    await h.ask('!maint done 1', ADMIN);
    expect((await h.newPosts()).some((p) => /web01 left maintenance: 1 alert was suppressed/.test(p.text))).toBe(true);
  });
});

describe('ticks that race (the scheduler and a plan in one process, or two processes on one PostgreSQL store)', () => {
  /**
   * Makes the tick's four reads answer what they first answered: the next
   * tick then acts on what it read before the first one wrote, as a second
   * process sharing the store would.
   */
  function replayReads(store: MaintenanceStore): () => void {
    const spies = (['dueSchedules', 'dueLead', 'dueToStart', 'dueOverdue'] as const).map((name) => {
      const real = (store[name] as (...a: unknown[]) => Promise<unknown>).bind(store);
      let first: Promise<unknown> | undefined;
      return vi.spyOn(store, name).mockImplementation(((...a: unknown[]) => (first ??= real(...a))) as never);
    });
    return () => {
      for (const s of spies) s.mockRestore();
    };
  }

  it('a tick acting on what it read before another tick wrote announces, starts and makes nothing a second time', async () => {
    const h = await harness();
    await h.ask('!maint schedule x in=30m for=1h hosts=web01'); // 01:30Z–02:30Z
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db12'); // next 2026-11-28T18:00Z
    for (const at of ['2026-11-27T01:20:00Z', '2026-11-27T01:30:00Z', '2026-11-27T02:30:00Z', '2026-11-28T17:50:00Z', '2026-11-28T18:00:00Z']) {
      h.clock.set(at);
      const restore = replayReads(h.core.services.maintenanceStore);
      await h.tick(2);
      restore();
    }
    expect((await h.posts()).map((p) => p.text.replace(/ —.*| \d{4}-.*/, ''))).toEqual([
      '🛠 in 10m: maintenance #1 x',
      '🛠 started: maintenance #1 x',
      '⏰ overdue: maintenance #1 x',
      '🛠 in 10m: maintenance #2 db backup',
      '⏰ overdue: maintenance #1 x',
      '🛠 started: maintenance #2 db backup',
    ]);
    expect(await windowCount(h)).toBe(2);
    expect((await h.core.services.maintenanceStore.schedule(1))!.next_at).toBe('2026-12-05T18:00:00.000Z');
    const db12 = (await h.core.services.inventory.get('db12'))!.id;
    expect((await h.core.services.inventory.history(db12, 10)).filter((x) => x.to_status === 'maintenance')).toHaveLength(1);
  });

  it('ticks run at the same time do each thing once', async () => {
    const h = await harness();
    await h.ask('!maint schedule x in=30m for=1h hosts=web01');
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db12');
    const { maintenance } = h.core.services;
    for (const at of ['2026-11-27T01:20:00Z', '2026-11-27T01:30:00Z', '2026-11-27T02:30:00Z', '2026-11-28T17:50:00Z', '2026-11-28T18:00:00Z']) {
      h.clock.set(at);
      await Promise.all([maintenance.tick(), maintenance.tick(), maintenance.tick()]);
    }
    expect(await countPosts(h, /^🛠 in /)).toBe(2);
    expect(await countPosts(h, /^🛠 started:/)).toBe(2);
    expect(await countPosts(h, /^⏰ overdue:/)).toBe(2);
    expect(await h.posts()).toHaveLength(6);
    expect(await windowCount(h)).toBe(2);
    expect(await h.core.services.maintenanceStore.hosts(2)).toHaveLength(1);
  });

  it('a recurring occurrence missed during an outage is reported once by racing ticks', async () => {
    const h = await harness();
    await h.ask('!maint schedule db backup every="0 3 * * 0" for=1h hosts=db12');
    h.clock.set('2026-11-29T18:00:00Z'); // Monday 03:00 JST: Sunday's occurrence has ended
    const restore = replayReads(h.core.services.maintenanceStore);
    await Promise.all([h.tick(), h.tick()]);
    await h.tick();
    restore();
    expect((await h.posts()).map((p) => p.text)).toEqual([expect.stringMatching(/^🛠 missed: 1 occurrence of recurring maintenance db backup/)]);
    expect((await h.core.services.maintenanceStore.schedule(1))!.next_at).toBe('2026-12-05T18:00:00.000Z');
  });

  it('finishing a window that was finished meanwhile is refused and changes nothing', async () => {
    const h = await harness();
    await h.ask('!maint start x hosts=web01 for=1h');
    const { maintenance } = h.core.services;
    const [a, b] = await Promise.allSettled([maintenance.finish(1, 'done', 'bob', null), maintenance.finish(1, 'done', 'carol', null)]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'maintenance #1 is already done' } });
    expect(await countPosts(h, /^✅ done:/)).toBe(1);
    expect((await h.core.services.maintenanceStore.updates(1, 10)).filter((u) => u.kind === 'done')).toHaveLength(1);
    expect(await h.statusOf('web01')).toBe('working');
  });
});
