import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInboundHandler } from '../../src/inbound/handler.js';
import type { InboundMessage } from '../../src/chat/message.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { TicketPreviews } from '../../src/domain/tickets/previews.js';
import { Links } from '../../src/links.js';
import { testCore, type TestCore } from '../helpers/core.js';

/** `#42` in conversation gets a one-line preview, in channels that want it, not twice in 10 minutes. */

let core: TestCore;
let handle: (m: InboundMessage) => Promise<void>;

beforeEach(async () => {
  core = await testCore();
  const previews = new TicketPreviews({
    channels: ['irc:#ops', 'slack:#dev'], everyMs: 10 * 60_000, clock: core.clock,
    ticket: (id) => core.services.tickets.get(id), links: new Links('https://ops.example.com', true),
  });
  handle = createInboundHandler({ dispatcher: core.dispatcher, outbox: core.outbox, log: pino({ level: 'silent' }), conversation: (m) => previews.previewsFor(m) });
  const alice = { name: 'alice' };
  await core.services.tickets.create({ title: 'disk full on db1', priority: 'high', reporter: alice, assignee: alice });
  await core.services.tickets.create({ title: 'cert expiry', reporter: alice });
  await core.services.tickets.create({ title: 'dns flaps', reporter: alice });
  await core.services.tickets.create({ title: 'slow deploys', reporter: alice });
});
afterEach(() => core.cleanup());

function say(text: string, extra: Partial<InboundMessage> = {}): Promise<void> {
  return handle({ platform: 'irc', channel: 'irc:#ops', user: { id: 'bob', name: 'bob' }, text, receivedAt: core.clock.now(), ...extra });
}

async function posted(): Promise<{ channel: string; text: string }[]> {
  const rows = await core.db.all<{ channel: string; body: string }>('SELECT channel, body FROM outbox ORDER BY id');
  return rows.map((r) => ({ channel: r.channel, text: renderPlain(JSON.parse(r.body) as RichText) }));
}

describe('ticket previews', () => {
  it('a mention gets one line with status, assignee and a link', async () => {
    await say('anyone looking at #1? it paged twice');
    expect(await posted()).toEqual([{ channel: 'irc:#ops', text: '#1 [high] disk full on db1 — open → alice https://ops.example.com/tickets/1' }]);
  });

  it('not again for the same ticket in the same channel within 10 minutes, then again', async () => {
    await say('#1 again');
    core.clock.advance(9 * 60_000);
    await say('still #1');
    expect(await posted()).toHaveLength(1);
    core.clock.advance(60_000);
    await say('and #1 once more');
    expect(await posted()).toHaveLength(2);
  });

  it('only in channels that have previews on, also when named by another address of the channel', async () => {
    await say('#1', { channel: 'irc:#random' });
    expect(await posted()).toHaveLength(0);
    await say('#2', { platform: 'slack', channel: 'slack:C024BE91L', channelAliases: ['slack:#dev'] });
    expect(await posted()).toEqual([{ channel: 'slack:C024BE91L', text: expect.stringContaining('#2 cert expiry') as unknown as string }]);
  });

  it('near-misses are not tickets: inside words, with letters after, in URLs', async () => {
    for (const t of ['a#1', '#1abc', 'https://wiki.example.com/page#1', '##1', 'issue&#1', 'C#1']) await say(t);
    expect(await posted()).toEqual([]);
  });

  it('a ticket that does not exist gets nothing, and neither does a huge number', async () => {
    await say('#99 and #123456789012');
    expect(await posted()).toEqual([]);
  });

  it('at most three previews for one message', async () => {
    await say('#1 #2 #3 #4 all related');
    expect((await posted()).map((p) => p.text.split(' ')[0])).toEqual(['#1', '#2', '#3']);
  });

  it('commands, edits and other bots get no preview', async () => {
    // The command's answer is the only row: a command is not conversation.
    await say('!ticket #1');
    expect(await posted()).toHaveLength(1);
    await say('#2 edited', { edited: true });
    await say('#2 from a bot', { fromBot: true });
    expect(await posted()).toHaveLength(1);
  });
});
