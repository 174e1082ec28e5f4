import { afterEach, describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { TicketDigestJob } from '../../src/domain/tickets/digest.js';
import { testCore, type TestCore } from '../helpers/core.js';

/** The daily digest with an injected clock: due once per occurrence, across restarts, with the right content. */

let core: TestCore;
afterEach(() => core?.cleanup());

const DAY = 86_400_000;

function job(c: TestCore, cron = '0 9 * * *', tz = 'Asia/Tokyo'): TicketDigestJob {
  return new TicketDigestJob({ db: c.db, clock: c.clock, tickets: c.services.tickets, outbox: c.outbox, cron, timezone: tz, channels: ['irc:#ops', 'slack:#ops'], staleMs: 7 * DAY });
}

async function digests(c: TestCore): Promise<{ channel: string; text: string }[]> {
  const rows = await c.db.all<{ channel: string; body: string }>("SELECT channel, body FROM outbox WHERE body LIKE '%Tickets:%' ORDER BY id");
  return rows.map((r) => ({ channel: r.channel, text: renderPlain(JSON.parse(r.body) as RichText) }));
}

async function seed(c: TestCore): Promise<void> {
  const t = c.services.tickets;
  const alice = { name: 'alice' };
  const bob = { name: 'bob' };
  await t.create({ title: 'old flaky backup', reporter: alice, assignee: bob });
  c.clock.advance(8 * DAY);
  await t.create({ title: 'disk full on db1', priority: 'urgent', reporter: alice, assignee: alice });
  await t.create({ title: 'rotate certs', priority: 'low', reporter: alice, assignee: alice });
  await t.create({ title: 'dns flaps', priority: 'high', reporter: bob });
  const done = await t.create({ title: 'already fixed', reporter: bob, assignee: bob });
  await t.setStatus(done.id, 'closed', bob);
}

describe('ticket digest', () => {
  it('is posted at the first 09:00 JST after it is scheduled, once, to every configured channel', async () => {
    core = await testCore({ timezone: 'Asia/Tokyo' });
    // 2026-11-25T12:00Z is 21:00 JST: the first run only schedules (the next 09:00 JST is 00:00Z tomorrow).
    const j = job(core);
    expect(await j.runIfDue()).toBe(false);
    await seed(core); // moves the clock 8 days: the schedule says 2026-11-26 09:00 JST, long past
    core.clock.set('2026-12-04T23:59:00Z');
    expect(await j.runIfDue()).toBe(true); // one late digest for the days the bot missed, not eight
    expect(await j.runIfDue()).toBe(false);
    core.clock.set('2026-12-05T00:00:00Z'); // 09:00 JST on the 5th
    expect(await j.runIfDue()).toBe(true);
    expect(await j.runIfDue()).toBe(false);
    core.clock.advance(60_000 * 30);
    expect(await j.runIfDue()).toBe(false);
    const posted = await digests(core);
    expect(posted.map((p) => p.channel)).toEqual(['irc:#ops', 'slack:#ops', 'irc:#ops', 'slack:#ops']);
  });

  it('lists open tickets per assignee, urgent work first, unassigned last, and the stale ones', async () => {
    core = await testCore({ timezone: 'Asia/Tokyo' });
    await seed(core);
    core.clock.set('2026-12-04T00:00:00Z');
    const j = job(core);
    await j.runIfDue();
    core.clock.set('2026-12-05T00:00:00Z');
    expect(await j.runIfDue()).toBe(true);
    const text = (await digests(core))[0]!.text;
    const lines = text.split('\n');
    expect(lines[0]).toBe('📋 Tickets: 4 open (1 urgent)');
    // alice has the urgent ticket, so she comes first, and her urgent ticket before the low one.
    expect(lines[1]).toMatch(/^- alice \(2\): #2 disk full on db1, #3 rotate certs$/);
    expect(lines[2]).toMatch(/^- bob \(1\): #1 old flaky backup$/);
    expect(lines[3]).toMatch(/^- unassigned \(1\): #4 dns flaps$/);
    // #1 was last touched on Nov 25 12:00Z, 9.5 days before; the others 1.5 days ago. The closed #5 is nowhere.
    expect(lines[4]).toMatch(/^- no update in 7d: #1 \(9d 12h\)$/);
    expect(text).not.toContain('#5');
  });

  it('says so when nothing is open', async () => {
    core = await testCore();
    const j = job(core, '*/5 * * * *', 'UTC');
    await j.runIfDue();
    core.clock.advance(5 * 60_000);
    expect(await j.runIfDue()).toBe(true);
    expect((await digests(core))[0]!.text).toBe('📋 Tickets: none open');
  });

  it('survives a restart: the due time is in the database, so it neither repeats nor skips', async () => {
    core = await testCore({ timezone: 'UTC' });
    await job(core, '0 9 * * *', 'UTC').runIfDue(); // schedules 2026-11-26 09:00Z
    core.clock.set('2026-11-26T09:00:30Z');
    expect(await job(core, '0 9 * * *', 'UTC').runIfDue()).toBe(true); // a new job object, as after a restart
    expect(await job(core, '0 9 * * *', 'UTC').runIfDue()).toBe(false);
    core.clock.set('2026-11-27T08:59:00Z');
    expect(await job(core, '0 9 * * *', 'UTC').runIfDue()).toBe(false);
    core.clock.set('2026-11-27T09:00:00Z');
    expect(await job(core, '0 9 * * *', 'UTC').runIfDue()).toBe(true);
    expect(await digests(core)).toHaveLength(4);
  });

  it('a changed schedule in the config is picked up instead of the stored due time', async () => {
    core = await testCore({ timezone: 'UTC' });
    await job(core, '0 9 * * *', 'UTC').runIfDue(); // due 2026-11-26 09:00Z
    core.clock.set('2026-11-25T12:30:00Z');
    expect(await job(core, '0 13 * * *', 'UTC').runIfDue()).toBe(false); // recomputed: 13:00 today
    core.clock.set('2026-11-25T13:00:00Z');
    expect(await job(core, '0 13 * * *', 'UTC').runIfDue()).toBe(true);
  });
});
