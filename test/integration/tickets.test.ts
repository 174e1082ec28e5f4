import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/chat/message.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { importServers } from '../../src/domain/servers/import.js';
import { SAMPLE_CSV, testCore, type TestCore } from '../helpers/core.js';

/**
 * `!ticket` and `!tickets` through the real core (SQLite on disk, fixed
 * clock, the dispatcher as the adapters call it), on IRC and Slack at once:
 * alice is one person with an IRC account `ali` and a Slack ID.
 */

interface User {
  name: string;
  identity?: string;
  platform?: Platform;
  channel?: string;
}

const SLACK_OPS = 'slack:C024BE91L';
/** Operator, on IRC and on Slack. */
const BOB: User = { name: 'bob', identity: 'irc:account:bob' };
const BOB_SLACK: User = { name: 'Bob', identity: 'slack:U0B0B', platform: 'slack', channel: SLACK_OPS };
/** A configured person: IRC account `ali`, Slack U024BE7LH. A viewer. */
const ALICE_IRC: User = { name: 'ali', identity: 'irc:account:ali' };
const ALICE_SLACK: User = { name: 'Alice Smith', identity: 'slack:U024BE7LH', platform: 'slack', channel: SLACK_OPS };
/** A viewer nobody configured: the person `carol`, her IRC account. */
const CAROL: User = { name: 'carol', identity: 'irc:account:carol' };
/** A configured person on Slack only, shown there as "Erin E". A viewer. */
const ERIN: User = { name: 'Erin E', identity: 'slack:U0ERIN', platform: 'slack', channel: SLACK_OPS };
/** A Slack viewer nobody configured: only a display name, which could be anyone's. */
const DAVE: User = { name: 'Dave', identity: 'slack:U0DAVE', platform: 'slack', channel: SLACK_OPS };
/** An IRC account nobody configured whose name is a configured person's (alice's account is `ali`). */
const FAKE_ALICE: User = { name: 'alice', identity: 'irc:account:alice' };
/** Not logged in to an account: the default role, no person. */
const MALLORY: User = { name: 'mallory' };

let core: TestCore;
let seen = 0;

async function makeCore(extra: Record<string, unknown> = {}): Promise<TestCore> {
  const c = await testCore({
    roles: { operator: ['irc:account:bob', 'slack:U0B0B'] },
    people: [
      { name: 'alice', irc: 'ali', slack: 'U024BE7LH' },
      { name: 'bob', irc: 'bob', slack: 'U0B0B' },
      { name: 'erin', slack: 'U0ERIN' },
    ],
    // Not connected by buildCore: they only tell People where private messages can go.
    irc: { host: 'irc.invalid', channels: ['#ops'] },
    slack: { bot_token: 'xoxb-test', app_token: 'xapp-test' },
    ...extra,
  });
  const r = await importServers(c.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
  return c;
}

beforeEach(async () => {
  core = await makeCore();
  seen = 0;
});
afterEach(() => core.cleanup());

async function ask(
  line: string,
  user: User = BOB,
  opts: { mentions?: { name: string; identity: string }[]; direct?: boolean } = {},
): Promise<{ text: string; ok: boolean; private: boolean }> {
  const platform = user.platform ?? 'irc';
  const channel = opts.direct ? `${platform}:${user.name}` : (user.channel ?? 'irc:#ops');
  const r = await core.dispatcher.handle({
    platform,
    channel,
    user: { id: user.name, name: user.name, ...(user.identity !== undefined && { identity: user.identity }) },
    text: line,
    ...(opts.mentions && { mentions: opts.mentions }),
    ...(opts.direct && { direct: true }),
    receivedAt: core.clock.now(),
  });
  if (!r) throw new Error(`the bot ignored ${JSON.stringify(line)}`);
  return { text: renderPlain(r.body), ok: r.ok, private: r.private === true };
}

/** The reply of a line that must succeed. */
async function ok(line: string, user: User = BOB, opts: Parameters<typeof ask>[2] = {}): Promise<string> {
  const r = await ask(line, user, opts);
  expect(r, line).toMatchObject({ ok: true });
  return r.text;
}

/** Outbox rows since the last call, rendered. */
async function posts(): Promise<{ channel: string; text: string }[]> {
  const rows = await core.db.all<{ channel: string; body: string }>('SELECT channel, body FROM outbox WHERE id > ? ORDER BY id', [seen]);
  seen = (await core.db.value<number>('SELECT coalesce(max(id), 0) FROM outbox')) ?? 0;
  return rows.map((r) => ({ channel: r.channel, text: renderPlain(JSON.parse(r.body) as RichText) }));
}

/** Everything the ticket tables and the outbox hold: a refused command must leave it as it was. */
async function state(): Promise<string> {
  const all = (sql: string) => core.db.all(sql);
  return JSON.stringify([
    await all('SELECT * FROM tickets ORDER BY id'),
    await all('SELECT * FROM ticket_events ORDER BY id'),
    await all('SELECT * FROM ticket_watchers ORDER BY ticket_id, person'),
    await all('SELECT * FROM ticket_hosts ORDER BY ticket_id, server_id'),
    await all('SELECT id, channel FROM outbox ORDER BY id'),
  ]);
}

/** Each line must fail with one line matching its pattern and change nothing. */
async function refused(cases: [string, RegExp, User?][]): Promise<void> {
  for (const [line, pattern, user] of cases) {
    const before = await state();
    const r = await ask(line, user ?? BOB);
    expect(r.ok, `${line} → ${r.text}`).toBe(false);
    expect(r.text, line).toMatch(pattern);
    expect(r.text.split('\n'), line).toHaveLength(1);
    expect(r.text, line).not.toMatch(/something went wrong|SQLITE|fts5/i);
    expect(await state(), `${line} changed the store`).toBe(before);
  }
}

const ticketRow = async (id: number) => (await core.services.tickets.get(id))!;
const timeline = async (id: number) => (await core.services.tickets.timeline(id, 1000)).map((e) => [e.kind, e.actor, e.old_value, e.new_value, e.body]);

describe('!ticket new', () => {
  it('opens a ticket with a title and answers "#N created" with a brief', async () => {
    expect(await ok('!ticket new disk full on web01')).toBe('#1 created: disk full on web01 — open unassigned');
    const t = await ticketRow(1);
    expect(t).toMatchObject({ title: 'disk full on web01', description: '', priority: 'normal', status: 'open', reporter: 'bob', assignee: null, channel: 'irc:#ops', hosts: [] });
    expect(await core.services.tickets.watchers(1)).toEqual(['bob']);
    expect(await timeline(1)).toEqual([['created', 'bob', null, null, null]]);
    expect(await posts()).toEqual([]);
  });

  it('takes an @assignee anywhere, prio=, several host= and a description after --', async () => {
    const text = await ok('!ticket new @alice disk full prio=high host=web01,web02 host=db12 -- since 03:00, see the graphs @ops prio=low');
    // On IRC the mention is alice's IRC nick.
    expect(text).toBe('#1 created: [high] disk full — open → ali (db12, web01, web02)');
    expect(await ticketRow(1)).toMatchObject({
      title: 'disk full', priority: 'high', assignee: 'alice', hosts: ['db12', 'web01', 'web02'], description: 'since 03:00, see the graphs @ops prio=low',
    });
    expect(await core.services.tickets.watchers(1)).toEqual(['alice', 'bob']);
    expect(await timeline(1)).toEqual([['created', 'bob', null, null, null], ['assign', 'bob', null, 'alice', null]]);
    // The reply mentions alice on IRC; she hears privately on Slack only. Bob did it: nothing to him.
    expect(await posts()).toEqual([{ channel: 'slack:U024BE7LH', text: '#1 bob opened it and assigned you — [high] disk full — open → alice (db12, web01, web02)' }]);
  });

  it('accepts priority= and any case, and the @name at the end', async () => {
    await ok('!ticket new "@home" dir full PRIORITY=Urgent @carol');
    expect(await ticketRow(1)).toMatchObject({ title: '@home dir full', priority: 'urgent', assignee: 'carol' });
    // carol is nobody configured: her IRC nick; she is mentioned on IRC, so no private message.
    expect(await posts()).toEqual([]);
  });

  it('on Slack, a mention of a display name with spaces is the configured person', async () => {
    const text = await ok('!ticket new cert expires @Alice Smith host=web10', BOB_SLACK, { mentions: [{ name: 'Alice Smith', identity: 'slack:U024BE7LH' }] });
    expect(text).toBe('#1 created: cert expires — open → alice (web10)');
    expect(await ticketRow(1)).toMatchObject({ title: 'cert expires', assignee: 'alice', reporter: 'bob', channel: SLACK_OPS });
    // Mentioned on Slack: the private message goes to her IRC nick.
    expect(await posts()).toEqual([{ channel: 'irc:account:ali', text: '#1 bob opened it and assigned you — cert expires — open → alice (web10)' }]);
  });

  it('in a private message the assignee is not mentioned anywhere, so hears on every platform', async () => {
    await ok('!ticket new rotate keys @alice', BOB, { direct: true });
    expect((await ticketRow(1)).channel).toBeNull();
    expect((await posts()).map((p) => p.channel)).toEqual(['irc:account:ali', 'slack:U024BE7LH']);
  });

  it('lets someone not logged in open a ticket as the nick seen, without updates or an assignee', async () => {
    const text = await ok('!ticket new printer on fire', MALLORY);
    expect(text).toBe('#1 created: printer on fire — open unassigned (you will get no updates on it; to get them, log in to your account (on IRC: SASL or NickServ))');
    expect((await ticketRow(1)).reporter).toBe('irc:nick:mallory');
    expect(await core.services.tickets.watchers(1)).toEqual([]);
    await refused([['!ticket new printer on fire @alice', /^you are not identified .* I will not message alice for you: open it without the @name, or log in/, MALLORY]]);
    // Giving someone else work is for operators; a viewer may name only themselves.
    await refused([['!ticket new printer on fire @alice', /^assigning someone else needs the operator role; you are viewer: open it without @alice, or with @me$/, CAROL]]);
    expect(await ok('!ticket new printer on fire @me', CAROL)).toMatch(/^#\d+ created: printer on fire — open → carol$/);
  });

  it('refuses garbage with a one-line answer and stores nothing', async () => {
    await refused([
      ['!ticket new', /^a ticket needs a title — usage: !ticket new TITLE… \[@ASSIGNEE\] \[prio=PRIORITY\] \[host=NAME,…\] \[-- DESCRIPTION…\] \(e\.g\. !ticket new disk full on web01 @alice prio=high host=web01\)$/],
      ['!ticket new @alice prio=high host=web01', /^a ticket needs a title/],
      ['!ticket new -- only a description', /^a ticket needs a title/],
      [`!ticket new ${'x'.repeat(201)}`, /^a title is at most 200 characters/],
      [`!ticket new big -- ${'y'.repeat(4001)}`, /^a description is at most 4000 characters$/],
      ['!ticket new disk full prio=hgih', /^unknown priority 'hgih' — did you mean high\? \(use low, normal, high, urgent\)$/],
      ['!ticket new disk full prio=', /^unknown priority ''/],
      ['!ticket new disk full prio=high priority=low', /^two priorities, high and low: give one prio=$/],
      ['!ticket new disk full host=web1', /^no server 'web1' — did you mean web01, web10\?$/],
      ['!ticket new disk full host=web01,nosuchhost', /^no server 'nosuchhost'/],
      ['!ticket new disk full host=,', /^which host\? host=NAME/],
      ['!ticket new disk full @alice @bob', /^a ticket has one assignee; you named @alice and @bob/],
      ['!ticket new disk full @bad!name', /^'bad!name' is neither a nick nor a configured person/],
      ['!ticket new disk full --urgent', /^'ticket new' has no flag --urgent/],
      ['!ticket new "unterminated', /^unterminated double quote/],
    ]);
    expect(await core.db.value('SELECT COUNT(*) FROM tickets')).toBe(0);
  });
});

describe('!ticket ID', () => {
  beforeEach(async () => {
    await ok('!ticket new disk full prio=high host=web01 -- /var at 98%', CAROL);
    core.clock.advance(60_000);
    await ok('!ticket assign 1 alice');
    core.clock.advance(60_000);
    await ok('!ticket comment 1 cleaning old logs', ALICE_IRC);
    await posts();
  });

  it('shows one line and the last three timeline entries with their times', async () => {
    const r = await ask('!ticket 1', MALLORY);
    expect(r).toMatchObject({ ok: true, private: false });
    expect(r.text).toBe(
      [
        '#1 [high] disk full — open → alice (web01)',
        '- 2026-11-25 12:00 UTC opened by carol',
        '- 2026-11-25 12:01 UTC bob assigned alice',
        '- 2026-11-25 12:02 UTC alice: cleaning old logs',
        'details: !ticket 1 --full',
      ].join('\n'),
    );
    expect((await ask('!ticket #1')).text).toBe(r.text);
    core.clock.advance(3_600_000);
    await ok('!ticket status 1 in_progress', ALICE_IRC);
    expect((await ok('!ticket 1')).split('\n')).toEqual([
      '#1 [high] disk full — in progress → alice (web01)',
      '- 2026-11-25 12:01 UTC bob assigned alice',
      '- 2026-11-25 12:02 UTC alice: cleaning old logs',
      '- 2026-11-25 13:02 UTC alice set in progress',
      'earlier entries, details: !ticket 1 --full',
    ]);
  });

  it('--full answers privately with description, hosts, watchers, commits and the whole timeline', async () => {
    await core.db.tx(() =>
      core.services.tickets.recordCommit(1, { repo: 'app', sha: 'abcdef0123456789abcdef0123456789abcdef01', author: 'carol', subject: 'rotate logs daily, refs #1', url: 'https://git.example.net/app/commit/abcdef0', where: 'app/main' }, 'link', false),
    );
    await ok('!ticket watch 1', ERIN);
    const r = await ask('!ticket 1 --full', MALLORY);
    expect(r).toMatchObject({ ok: true, private: true });
    expect(r.text.split('\n')).toEqual([
      '#1 [high] disk full — open → alice (web01)',
      'reported by carol 2026-11-25 12:00 UTC · in irc:#ops · updated 2026-11-25 12:02 UTC · priority high',
      'description: /var at 98%',
      'hosts (1): web01',
      'watchers (3): alice, carol, erin',
      'commits (1):',
      '- abcdef0 rotate logs daily, refs #1 — carol in app https://git.example.net/app/commit/abcdef0',
      'timeline (5):',
      '- 2026-11-25 12:00 UTC opened by carol',
      '- 2026-11-25 12:01 UTC bob assigned alice',
      '- 2026-11-25 12:02 UTC alice: cleaning old logs',
      '- 2026-11-25 12:02 UTC abcdef0 carol: rotate logs daily, refs #1 (app/main) https://git.example.net/app/commit/abcdef0',
      '- 2026-11-25 12:02 UTC erin watches',
    ]);
  });

  it('--full shows the last 50 timeline entries and counts the rest', async () => {
    for (let i = 1; i <= 60; i++) await core.services.tickets.comment(1, { name: 'alice' }, `step ${i}`);
    const lines = (await ask('!ticket 1 --full')).text.split('\n');
    expect(lines).toContain('timeline (63):');
    expect(lines).toContain('…and 13 earlier');
    expect(lines.filter((l) => l.startsWith('- 2026'))).toHaveLength(50);
    expect(lines.at(-1)).toBe('- 2026-11-25 12:02 UTC alice: step 60');
    expect(lines.at(-50)).toBe('- 2026-11-25 12:02 UTC alice: step 11');
  });

  it('refuses bad numbers, unknown tickets and stray words with what to type', async () => {
    await refused([
      ['!ticket', /^usage: !ticket ID \[--full\], or !ticket new\|assign\|take\|status\|close\|reopen\|comment\|watch … \(!help ticket\)$/],
      ['!ticket abc', /^'abc' is neither a ticket number nor a subcommand \(!help ticket\)$/],
      ['!ticket nwe disk full', /^'nwe' is neither a ticket number nor a subcommand — did you mean !ticket new\?/],
      ['!ticket #x1', /^'#x1' is neither a ticket number nor a subcommand/],
      ['!ticket 99', /^no ticket #99 — !tickets lists the open ones, !tickets search WORDS finds the others$/],
      ['!ticket #0', /^no ticket #0/],
      ['!ticket 1 assign bob', /^usage: !ticket ID \[--full\] — did you mean !ticket assign 1 bob\?$/],
      ['!ticket 1 2', /^usage: !ticket ID \[--full\] \(e\.g\. !ticket 42\)$/],
      ['!ticket 1 --ful', /^'ticket' has no flag --ful — did you mean --full\?/],
      ['!ticket 1234567890123', /^'1234567890123' is not a ticket number: use the number shown as #ID/],
    ]);
  });
});

describe('!ticket assign', () => {
  beforeEach(async () => {
    await ok('!ticket new disk full host=web01', CAROL);
    await ok('!ticket watch 1', ERIN);
    await posts();
  });

  it('an operator assigns on IRC: the reply mentions the IRC nick, the rest hear privately, the actor nothing', async () => {
    expect(await ok('!ticket assign 1 alice')).toBe('#1 assigned to ali — disk full');
    expect((await ticketRow(1)).assignee).toBe('alice');
    expect((await timeline(1)).at(-1)).toEqual(['assign', 'bob', null, 'alice', null]);
    expect(await core.services.tickets.watchers(1)).toEqual(['alice', 'carol', 'erin']);
    const sent = await posts();
    expect(sent.map((p) => p.channel).sort()).toEqual(['irc:account:carol', 'slack:U024BE7LH', 'slack:U0ERIN']);
    expect(sent.every((p) => p.text === '#1 bob assigned alice — disk full — open → alice (web01)')).toBe(true);
    // Reassigning says who had it.
    expect(await ok('!ticket assign #1 @carol')).toBe('#1 assigned to carol (was alice) — disk full');
    expect((await posts()).map((p) => p.channel).sort()).toEqual(['irc:account:ali', 'slack:U024BE7LH', 'slack:U0ERIN']);
  });

  it('by IRC account name, the configured person', async () => {
    await ok('!ticket assign 1 ali');
    expect((await ticketRow(1)).assignee).toBe('alice');
  });

  it('an operator on Slack assigns by mention: the configured person, named on Slack', async () => {
    const text = await ok('!ticket assign 1 @Alice Smith', BOB_SLACK, { mentions: [{ name: 'Alice Smith', identity: 'slack:U024BE7LH' }] });
    expect(text).toBe('#1 assigned to alice — disk full');
    expect((await ticketRow(1)).assignee).toBe('alice');
    // Mentioned on Slack: her private message goes to IRC.
    expect((await posts()).map((p) => p.channel).sort()).toEqual(['irc:account:ali', 'irc:account:carol', 'slack:U0ERIN']);
  });

  it('a configured Slack-only person by mention is reached on Slack', async () => {
    expect(await ok('!ticket assign 1 @Erin E', BOB, { mentions: [{ name: 'Erin E', identity: 'slack:U0ERIN' }] })).toBe('#1 assigned to erin — disk full');
    expect((await ticketRow(1)).assignee).toBe('erin');
    // Mentioned on IRC as "erin", who has no IRC nick: she hears on Slack.
    expect((await posts()).map((p) => p.channel).sort()).toEqual(['irc:account:carol', 'slack:U0ERIN']);
  });

  it('a Slack user nobody configured is not assigned: their display name could later reach anyone', async () => {
    const before = await state();
    const r = await ask('!ticket assign 1 @Dave', BOB_SLACK, { mentions: [{ name: 'Dave', identity: 'slack:U0DAVE' }] });
    expect(r).toEqual({ ok: false, private: false, text: 'Dave is not in people: in the config, so I could not find them by that name later — an admin can add them there (name, irc, slack)' });
    expect(await state()).toBe(before);
  });

  it('needs the operator role and refuses garbage', async () => {
    await refused([
      ['!ticket assign 1 alice', /^'ticket assign' needs the operator role; you are viewer$/, CAROL],
      ['!ticket assign 1 alice', /^'ticket assign' needs the operator role; you are not identified/, MALLORY],
      ['!ticket assign 1', /^assign #1 to whom\? usage: !ticket assign ID NAME \(e\.g\. !ticket assign 42 alice\)$/],
      ['!ticket assign', /^which ticket\? usage: !ticket assign ID NAME \(e\.g\. !ticket assign 42 alice\)$/],
      ['!ticket assign x alice', /^'x' is not a ticket number: use the number shown as #ID — usage: !ticket assign ID NAME \(e\.g\. !ticket assign 42 alice\)$/],
      ['!ticket assign alice 1', /^'alice' is not a ticket number/],
      ['!ticket assign 99 alice', /^no ticket #99/],
      ['!ticket assign 1 42', /^'42' is neither a nick nor a configured person/],
      ['!ticket assign 1 "two words"', /^'two words' is neither a nick nor a configured person/],
      ['!ticket assign 1 @', /^'' is neither a nick nor a configured person/],
    ]);
    await ok('!ticket assign 1 alice');
    await refused([['!ticket assign 1 ALICE', /^#1 is already assigned to alice$/]]);
  });
});

describe('!ticket take', () => {
  beforeEach(async () => {
    await ok('!ticket new disk full', ALICE_SLACK);
    await posts();
  });

  it('a logged-in viewer takes an unassigned ticket; watchers hear, the taker does not', async () => {
    expect(await ok('!ticket take 1', CAROL)).toBe('#1 is yours now — disk full');
    expect((await ticketRow(1)).assignee).toBe('carol');
    expect((await timeline(1)).at(-1)).toEqual(['assign', 'carol', null, 'carol', null]);
    expect(await posts()).toEqual([
      { channel: 'irc:account:ali', text: '#1 carol took it — disk full — open → carol' },
      { channel: 'slack:U024BE7LH', text: '#1 carol took it — disk full — open → carol' },
    ]);
  });

  it("someone else's ticket only an operator takes over", async () => {
    await ok('!ticket take 1', CAROL);
    await refused([
      ['!ticket take 1', /^#1 is yours already$/, CAROL],
      ['!ticket take 1', /^#1 is assigned to carol: ask them, or an operator to reassign it \(!ticket assign 1 erin\)$/, ERIN],
      ['!ticket take 1', /^you are not identified \(not logged in to an account\), so I cannot tell who you are — log in to your account \(on IRC: SASL or NickServ\) to take a ticket$/, MALLORY],
      ['!ticket take', /^which ticket\? usage: !ticket take ID \(e\.g\. !ticket take 42\)$/, CAROL],
      ['!ticket take 1 alice', /^usage: !ticket take ID \(to give it to someone else: !ticket assign ID NAME\)$/, CAROL],
      ['!ticket take 99', /^no ticket #99/, CAROL],
      ['!ticket take one', /^'one' is not a ticket number/, CAROL],
    ]);
    expect(await ok('!ticket take 1', BOB)).toBe('#1 is yours now (was carol) — disk full');
  });
});

describe('!ticket status, close, reopen', () => {
  beforeEach(async () => {
    await ok('!ticket new disk full', ALICE_IRC);
    await ok('!ticket assign 1 carol');
    await ok('!ticket watch 1', ERIN);
    await posts();
  });

  it('the assignee sets a status, with a note; the others hear privately', async () => {
    expect(await ok('!ticket status 1 in_progress looking now', CAROL)).toBe('#1 now in progress — disk full');
    expect((await ticketRow(1)).status).toBe('in_progress');
    expect((await timeline(1)).at(-1)).toEqual(['status', 'carol', 'open', 'in_progress', 'looking now']);
    expect((await posts()).map((p) => [p.channel, p.text])).toEqual([
      ['irc:account:ali', '#1 carol set it in progress: looking now — disk full — in progress → carol'],
      ['slack:U024BE7LH', '#1 carol set it in progress: looking now — disk full — in progress → carol'],
      ['slack:U0ERIN', '#1 carol set it in progress: looking now — disk full — in progress → carol'],
    ]);
  });

  it('accepts in-progress and "in progress"; the reporter, from either platform, may change it', async () => {
    await ok('!ticket status #1 in-progress', ALICE_SLACK);
    await ok('!ticket status 1 open', ALICE_IRC);
    await ok('!ticket status 1 in progress', BOB);
    expect((await timeline(1)).filter((e) => e[0] === 'status').map((e) => [e[1], e[3]])).toEqual([['alice', 'in_progress'], ['alice', 'open'], ['bob', 'in_progress']]);
  });

  it('others are refused, and garbage changes nothing', async () => {
    await refused([
      ['!ticket status 1 resolved', /^only an operator, the assignee \(carol\) or the reporter \(alice\) can change the status of #1; you are erin, viewer$/, ERIN],
      ['!ticket close 1', /^only an operator, the assignee \(carol\) or the reporter \(alice\) can close #1; you are erin, viewer$/, ERIN],
      ['!ticket status 1 resolved', /^you are not identified \(not logged in to an account\), so I cannot tell who you are — only operators and the ticket's assignee or reporter can change the status of it/, MALLORY],
      ['!ticket status 1 doing', /^unknown status 'doing' \(use open, in_progress, resolved, closed\)$/],
      ['!ticket status 1 inprogress', /^unknown status 'inprogress' — did you mean in_progress\?/],
      ['!ticket status 1 clsoed', /^unknown status 'clsoed' — did you mean closed\?/],
      ['!ticket status 1', /^to which status\? use one of open, in_progress, resolved, closed$/],
      ['!ticket status 1 open', /^#1 is already open$/],
      ['!ticket status x open', /^'x' is not a ticket number/],
      ['!ticket status 99 open', /^no ticket #99/],
      [`!ticket status 1 resolved ${'n'.repeat(4001)}`, /^a note is at most 4000 characters$/],
      ['!ticket close', /^which ticket\? usage: !ticket close ID \[note…\] \(e\.g\. !ticket close 42\)$/],
      ['!ticket close 99', /^no ticket #99/],
      ['!ticket reopen 1', /^#1 is open, not resolved or closed: nothing to reopen$/],
      ['!ticket reopen 99', /^no ticket #99/],
      ['!ticket reopen', /^which ticket\?/],
    ]);
  });

  it('close with a note, then reopen from closed or resolved only', async () => {
    expect(await ok('!ticket close 1 freed 40G of logs', CAROL)).toBe('#1 closed — disk full (freed 40G of logs)');
    expect(await ticketRow(1)).toMatchObject({ status: 'closed', closed_at: '2026-11-25T12:00:00.000Z' });
    expect((await timeline(1)).at(-1)).toEqual(['status', 'carol', 'open', 'closed', 'freed 40G of logs']);
    await refused([['!ticket close 1', /^#1 is already closed$/, CAROL]]);
    expect(await ok('!ticket reopen 1 full again', ALICE_SLACK)).toBe('#1 reopened — disk full');
    expect(await ticketRow(1)).toMatchObject({ status: 'open', closed_at: null });
    expect((await timeline(1)).at(-1)).toEqual(['status', 'alice', 'closed', 'open', 'full again']);
    await ok('!ticket status 1 resolved', BOB);
    await refused([['!ticket reopen 1', /^only an operator, the assignee \(carol\) or the reporter \(alice\) can reopen #1/, ERIN]]);
    expect(await ok('!ticket reopen #1', CAROL)).toBe('#1 reopened — disk full');
    await ok('!ticket status 1 in_progress', CAROL);
    await refused([['!ticket reopen 1', /^#1 is in progress, not resolved or closed: nothing to reopen$/, CAROL]]);
  });
});

/** Alice (a viewer, who may not assign others from chat) reported #1, given to carol. */
async function aliceReportsForCarol(): Promise<void> {
  await core.services.tickets.create({ title: 'disk full', reporter: { name: 'alice', irc: 'ali', slack: 'U024BE7LH' }, assignee: { name: 'carol', irc: 'carol' }, channel: 'irc:#ops' });
}

describe('!ticket comment and watch', () => {
  beforeEach(async () => {
    await aliceReportsForCarol();
    await posts();
  });

  it('a comment lands in the timeline and reaches watchers and the assignee, not its author', async () => {
    expect(await ok('!ticket comment 1 "swapped" the disk', CAROL)).toBe('#1: comment added — disk full');
    expect((await timeline(1)).at(-1)).toEqual(['comment', 'carol', null, null, 'swapped the disk']);
    expect(await posts()).toEqual([
      { channel: 'irc:account:ali', text: '#1 carol: swapped the disk — disk full — open → carol' },
      { channel: 'slack:U024BE7LH', text: '#1 carol: swapped the disk — disk full — open → carol' },
    ]);
  });

  it('someone not logged in may comment, recorded as the nick seen', async () => {
    await ok('!ticket comment #1 is it the same disk as last week?', MALLORY);
    expect((await timeline(1)).at(-1)).toEqual(['comment', 'irc:nick:mallory', null, null, 'is it the same disk as last week?']);
    expect((await posts()).map((p) => p.channel)).toEqual(['irc:account:ali', 'slack:U024BE7LH', 'irc:account:carol']);
  });

  it('watch: a logged-in person hears about later changes', async () => {
    expect(await ok('!ticket watch 1', ERIN)).toBe('you are watching #1: changes reach you in a private message');
    expect(await ok('!ticket watch #1', ERIN)).toBe('you are watching #1 already');
    expect(await core.services.tickets.watchers(1)).toEqual(['alice', 'carol', 'erin']);
    expect((await timeline(1)).at(-1)).toEqual(['watch', 'erin', null, 'erin', null]);
    expect(await posts()).toEqual([]);
    await ok('!ticket comment 1 on it', CAROL);
    expect((await posts()).map((p) => p.channel)).toEqual(['irc:account:ali', 'slack:U024BE7LH', 'slack:U0ERIN']);
  });

  it('refuses empty comments, bad numbers and watching without an account', async () => {
    await refused([
      ['!ticket comment 1', /^what is the comment\? usage: !ticket comment ID TEXT… \(e\.g\. !ticket comment 42 /],
      ['!ticket comment 1 "  "', /^what is the comment\?/],
      ['!ticket comment', /^which ticket\? usage: !ticket comment ID TEXT…/],
      ['!ticket comment hello there', /^'hello' is not a ticket number/],
      ['!ticket comment 99 hi', /^no ticket #99/],
      [`!ticket comment 1 ${'c'.repeat(4001)}`, /^a comment is at most 4000 characters$/],
      ['!ticket watch 1', /^you are not identified .* to watch a ticket$/, MALLORY],
      ['!ticket watch', /^which ticket\? usage: !ticket watch ID \(e\.g\. !ticket watch 42\)$/, ERIN],
      ['!ticket watch 99', /^no ticket #99/, ERIN],
      ['!ticket watch 1 2', /^usage: !ticket watch ID \(e\.g\. !ticket watch 42\)$/, ERIN],
    ]);
  });
});

describe('who is who', () => {
  it('a Slack user nobody configured may open and comment, recorded by their Slack ID, but not take, watch or list "mine"', async () => {
    expect(await ok('!ticket new vpn flaps', DAVE)).toBe('#1 created: vpn flaps — open unassigned (you will get no updates on it; to get them, ask an admin to add you to people: in the config)');
    expect((await ticketRow(1)).reporter).toBe('slack:U0DAVE');
    expect(await core.services.tickets.watchers(1)).toEqual([]);
    await ok('!ticket comment 1 again at 10:00', DAVE);
    expect((await timeline(1)).at(-1)).toEqual(['comment', 'slack:U0DAVE', null, null, 'again at 10:00']);
    await refused([
      ['!ticket take 1', /^your account \(slack:U0DAVE\) is not linked to the name Dave in the config, so I could not find you by it later — ask an admin to add you to people: in the config to take a ticket$/, DAVE],
      ['!ticket watch 1', /^your account \(slack:U0DAVE\) is not linked .* to watch a ticket$/, DAVE],
      ['!tickets mine', /^your account \(slack:U0DAVE\) is not linked .* to see your tickets/, DAVE],
      ['!ticket close 1', /^your account \(slack:U0DAVE\) is not linked .* only operators and the ticket's assignee or reporter can close it; ask an admin to add you to people: in the config first$/, DAVE],
    ]);
    expect(await posts()).toEqual([]);
  });

  it("an IRC account carrying a configured person's name is not that person", async () => {
    await aliceReportsForCarol();
    await refused([
      ['!ticket close 1', /^your account \(irc:account:alice\) is not linked to the name alice in the config/, FAKE_ALICE],
      ['!tickets mine', /^your account \(irc:account:alice\) is not linked/, FAKE_ALICE],
    ]);
    // The real alice, from IRC, reported it: she may close it.
    expect(await ok('!ticket close 1', ALICE_IRC)).toBe('#1 closed — disk full');
  });
});

describe('!tickets', () => {
  beforeEach(async () => {
    // 1..7, each with a different priority, owner or host.
    await ok('!ticket new low thing prio=low', CAROL);
    await ok('!ticket new disk full on web01 @alice prio=high host=web01 -- the root volume');
    await ok('!ticket new cert expires @carol prio=urgent host=web10');
    await ok('!ticket new backup slow @alice host=db12');
    await ok('!ticket new fan noise @bob host=db13 prio=high');
    await ok('!ticket new swap usage', ERIN);
    await ok('!ticket new old alert', ERIN);
    await ok('!ticket comment 4 rsync throttled by the firewall', ALICE_IRC);
    await ok('!ticket close 7 duplicate of the raid alarm');
    await posts();
  });

  it('lists active tickets most urgent first, five in channel, then "…and N more"', async () => {
    const r = await ask('!tickets', MALLORY);
    expect(r).toMatchObject({ ok: true, private: false });
    expect(r.text.split('\n')).toEqual([
      '6 active tickets:',
      '- #3 [urgent] cert expires — open → carol (web10)',
      '- #2 [high] disk full on web01 — open → alice (web01)',
      '- #5 [high] fan noise — open → bob (db13)',
      '- #4 backup slow — open → alice (db12)',
      '- #6 swap usage — open unassigned',
      '…and 1 more (add --full for up to 50 in a private message)',
    ]);
    const full = await ask('!tickets --full');
    expect(full).toMatchObject({ ok: true, private: true });
    expect(full.text.split('\n')).toHaveLength(7);
    expect(full.text).toContain('- #1 [low] low thing — open unassigned');
  });

  it('--all and status= include resolved and closed tickets', async () => {
    expect((await ok('!tickets --all --full')).split('\n')[0]).toBe('7 tickets (any status):');
    expect(await ok('!tickets status=closed')).toBe('1 closed ticket:\n- #7 old alert — closed unassigned');
    expect(await ok('!tickets status=resolved')).toBe('no resolved tickets');
    expect((await ok('!tickets status=in-progress'))).toBe('no in progress tickets');
  });

  it('mine is the same person from IRC and Slack', async () => {
    const fromIrc = await ok('!tickets mine', ALICE_IRC);
    expect(fromIrc).toBe('2 active tickets assigned to you (alice):\n- #2 [high] disk full on web01 — open → alice (web01)\n- #4 backup slow — open → alice (db12)');
    expect(await ok('!tickets mine', ALICE_SLACK)).toBe(fromIrc);
    expect(await ok('!tickets mine', ERIN)).toBe('no active tickets assigned to you (erin) (--all includes resolved and closed)');
  });

  it('@NAME: by configured name, IRC nick or Slack mention', async () => {
    const want = '2 active tickets assigned to alice:\n- #2 [high] disk full on web01 — open → alice (web01)\n- #4 backup slow — open → alice (db12)';
    expect(await ok('!tickets @alice', MALLORY)).toBe(want);
    expect(await ok('!tickets @ali')).toBe(want);
    expect(await ok('!tickets @Alice Smith', ERIN, { mentions: [{ name: 'Alice Smith', identity: 'slack:U024BE7LH' }] })).toBe(want);
    expect(await ok('!tickets @carol')).toBe('1 active ticket assigned to carol:\n- #3 [urgent] cert expires — open → carol (web10)');
  });

  it('host= lists a host\'s tickets, and suggests a name on a miss', async () => {
    expect(await ok('!tickets host=web01')).toBe('1 active ticket on web01:\n- #2 [high] disk full on web01 — open → alice (web01)');
    expect(await ok('!tickets @alice host=DB12')).toBe('1 active ticket assigned to alice on db12:\n- #4 backup slow — open → alice (db12)');
    await refused([['!tickets host=web1', /^no server 'web1' — did you mean web01, web10\?$/]]);
  });

  it('search finds words in titles, descriptions, comments and close notes, by prefix', async () => {
    const ids = async (words: string, flags = '') => [...(await ok(`!tickets search ${words}${flags}`)).matchAll(/^- #(\d+)/gm)].map((m) => Number(m[1]));
    expect(await ids('disk')).toEqual([2]);
    expect(await ids('root volume')).toEqual([2]);
    expect(await ids('firewall')).toEqual([4]);
    expect(await ids('thrott')).toEqual([4]);
    expect(await ids('raid')).toEqual([]);
    expect(await ids('raid', ' --all')).toEqual([7]);
    // Quotes, operators and stray punctuation are text, never FTS syntax.
    expect(await ids('"cert" expir* - (')).toEqual([3]);
    expect(await ids('disk ...')).toEqual([2]);
    expect(await ids('cert OR disk')).toEqual([]);
    expect(await ok('!tickets search nothing-like-this')).toBe('no active tickets matching "nothing-like-this" (--all includes resolved and closed)');
    expect((await ok('!tickets search full --all')).split('\n')[0]).toBe('1 ticket matching "full" (any status):');
  });

  it('refuses garbage with a clear one-line answer', async () => {
    await refused([
      ['!tickets mine', /^you are not identified .* to see your tickets \(or ask for !tickets @NICK\)$/, MALLORY],
      ['!tickets mine please', /^usage: !tickets \[mine\|@NAME\|search WORDS…\] \[host=NAME\] \[status=STATUS\] \[--all\] \[--full\] \(e\.g\. !tickets mine\)$/],
      ['!tickets search', /^search for what\? usage: !tickets \[mine\|@NAME\|search WORDS…\] .* \(e\.g\. !tickets search disk full --all\)$/],
      [`!tickets search '"*('`, /^search for words: letters or digits, e.g. disk full$/],
      ['!tickets search ... --- ___', /^search for words: letters or digits/],
      ['!tickets search "*(', /^unterminated double quote/],
      ['!tickets disk', /^'disk' is not a filter: !tickets @disk lists someone's tickets, !tickets search disk finds words/],
      ['!tickets hots=web01', /^'tickets' has no option 'hots' — did you mean 'host'\?/],
      ['!tickets status=bogus', /^unknown status 'bogus' \(use active, all, open, in_progress, resolved, closed\)$/],
      ['!tickets status=closd', /^unknown status 'closd' — did you mean closed\?/],
      ['!tickets status=open --all', /^--all and status=open contradict each other: give one$/],
      ['!tickets --mine', /^'tickets' has no flag --mine/],
      ['!tickets @"two words"', /^'two words' is neither a nick nor a configured person/],
    ]);
  });

  it('points at the API for the rest when a public URL is configured', async () => {
    await core.cleanup();
    core = await makeCore({ http: { public_url: 'https://ops.example.net/' } });
    for (let i = 1; i <= 7; i++) await ok(`!ticket new thing ${i} @alice`);
    const lines = (await ok('!tickets @alice')).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toBe('…and 2 more: https://ops.example.net/tickets?status=active&assignee=alice');
    expect((await ok('!ticket 1')).split('\n')[0]).toBe('#1 thing 1 — open → alice https://ops.example.net/tickets/1');
  });
});

describe('!help', () => {
  it('shows the usage of every ticket subcommand', async () => {
    const text = await ok('!help ticket', MALLORY);
    for (const usage of [
      '!ticket ID [--full]',
      '!ticket new TITLE… [@ASSIGNEE] [prio=PRIORITY] [host=NAME,…] [-- DESCRIPTION…]',
      '!ticket assign ID NAME',
      '!ticket take ID',
      '!ticket status ID STATUS [note…]',
      '!ticket close ID [note…]',
      '!ticket reopen ID [reason…]',
      '!ticket comment ID TEXT…',
      '!ticket watch ID',
    ]) {
      expect(text).toContain(usage);
    }
    expect(text).toMatch(/!ticket assign ID NAME — .*\(operator\)/);
    expect(await ok('!help tickets')).toContain('!tickets [mine|@NAME|search WORDS…] [host=NAME] [status=STATUS] [--all] [--full]');
    const index = await ok('!help');
    expect(index).toContain('!ticket — Show a ticket');
    expect(index).toContain('!tickets — List open and in-progress tickets');
  });
});
