import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import type { InboundMessage } from '../../src/chat/message.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { text } from '../../src/chat/rich-text.js';
import { testCore, type TestCore } from '../helpers/core.js';

let core: TestCore;
let bridge: Bridge;
beforeEach(async () => {
  core = await testCore();
  bridge = new Bridge([['irc:#ops', 'slack:#ops', 'irc:#ops-eu'], ['irc:#dev', 'slack:C0DEV']], core.outbox);
});
afterEach(async () => {
  await core.cleanup();
});

const msg = (channel: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  platform: channel.startsWith('irc:') ? 'irc' : 'slack',
  channel,
  user: { id: 'U1', name: 'alice' },
  text: 'db12 is slow',
  receivedAt: new Date(),
  ...extra,
});

const pending = async (channel: string) => (await core.outbox.pending(channel, 50)).map((r) => ({ text: renderPlain(r.body), author: r.author, action: r.action }));

describe('the bridge', () => {
  it('relays a message to every other channel of its gateway, with the author', async () => {
    await bridge.relayMessage(msg('irc:#ops'));
    expect(await pending('slack:#ops')).toEqual([{ text: 'db12 is slow', author: 'alice', action: 0 }]);
    expect(await pending('irc:#ops-eu')).toEqual([{ text: 'db12 is slow', author: 'alice', action: 0 }]);
    expect(await pending('irc:#ops')).toEqual([]);
    expect(await pending('irc:#dev')).toEqual([]);
  });

  it('finds the gateway by a channel ID or by its name', async () => {
    await bridge.relayMessage(msg('slack:C0OPS', { channelAliases: ['slack:#ops'] }));
    expect(await pending('irc:#ops')).toHaveLength(1);
    await bridge.relayMessage(msg('slack:C0DEV'));
    expect(await pending('irc:#dev')).toHaveLength(1);
  });

  it('marks /me and edits', async () => {
    await bridge.relayMessage(msg('irc:#dev', { action: true, text: 'waves' }));
    await bridge.relayMessage(msg('slack:C0DEV', { edited: true, rich: text('fixed typo') }));
    expect(await pending('slack:C0DEV')).toEqual([{ text: 'waves', author: 'alice', action: 1 }]);
    expect(await pending('irc:#dev')).toEqual([{ text: '(edit) fixed typo', author: 'alice', action: 0 }]);
  });

  it('relays nothing from an unbridged channel or a private message', async () => {
    await bridge.relayMessage(msg('irc:#random'));
    await bridge.relayMessage(msg('irc:alice', { direct: true }));
    expect(await core.outbox.pendingCount()).toBe(0);
  });

  it("relays the bot's reply as the bot's, but not a private one", async () => {
    await bridge.relayReply(msg('irc:#ops'), { ok: true, body: text('web01 working') });
    await bridge.relayReply(msg('irc:#ops'), { ok: true, body: text('secret'), private: true });
    await bridge.relayReply(msg('slack:#ops', { privateReply: true }), { ok: true, body: text('ephemeral') });
    expect(await pending('slack:#ops')).toEqual([{ text: 'web01 working', author: null, action: 0 }]);
  });
});

describe('bridges in the config', () => {
  it('refuses a bridge of one channel, a bad address, and a channel in two bridges, naming each', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const { thrownBy } = await import('../helpers/thrown.js');
    const { FatalError } = await import('../../src/errors.js');
    const err = thrownBy(FatalError, () => parseConfig({ bridges: [['irc:#ops'], ['irc:#ops', 'slack:#ops'], ['slack:#ops', 'ops']] }, {}));
    expect(err.message.split('\n').sort()).toEqual([
      'bridges[0]: a bridge links at least two channels',
      'bridges[1][0]: irc:#ops is already in bridge 0: a channel belongs to one bridge',
      'bridges[2][0]: slack:#ops is already in bridge 1: a channel belongs to one bridge',
      'bridges[2][1]: expected a channel address: irc:#name, slack:#name, slack:CXXXX, got "ops"',
    ]);
  });
});
