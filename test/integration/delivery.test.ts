import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, type ChatAdapter, type OutboundMessage } from '../../src/adapters/adapter.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { text } from '../../src/chat/rich-text.js';
import { Delivery } from '../../src/delivery/delivery.js';
import { testCore, type TestCore } from '../helpers/core.js';

/** An adapter whose connection and failures the test controls. */
class ScriptedAdapter implements ChatAdapter {
  readonly platform = 'irc' as const;
  ready = true;
  failNext = 0;
  sent: string[] = [];
  async start() {}
  async stop() {}
  isReady() {
    return this.ready;
  }
  status() {
    return { connected: this.ready, queued: 0 };
  }
  async send(msg: OutboundMessage) {
    await new Promise((r) => setTimeout(r, 1));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection reset');
    }
    this.sent.push(`${msg.channel} ${renderPlain(msg.body)}`);
  }
}

let core: TestCore;
let delivery: Delivery | undefined;
afterEach(async () => {
  await delivery?.stop();
  await core.cleanup();
});

async function until(cond: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(adapter: ChatAdapter | undefined) {
  delivery = new Delivery({ outbox: core.outbox, adapterFor: () => adapter, clock: core.clock, log: pino({ level: 'silent' }), pollMs: 20 });
  delivery.start();
}

describe('delivery from the outbox', () => {
  it('delivers each channel in order and marks rows delivered only after the adapter confirms', async () => {
    core = await testCore();
    const a = new ScriptedAdapter();
    for (let i = 1; i <= 5; i++) await core.outbox.enqueue({ channel: 'irc:#ops', body: text(`ops ${i}`) });
    for (let i = 1; i <= 3; i++) await core.outbox.enqueue({ channel: 'irc:#dev', body: text(`dev ${i}`) });
    start(a);
    await until(() => a.sent.length === 8, 'eight messages');
    expect(a.sent.filter((s) => s.startsWith('irc:#ops'))).toEqual(['irc:#ops ops 1', 'irc:#ops ops 2', 'irc:#ops ops 3', 'irc:#ops ops 4', 'irc:#ops ops 5']);
    expect(a.sent.filter((s) => s.startsWith('irc:#dev'))).toEqual(['irc:#dev dev 1', 'irc:#dev dev 2', 'irc:#dev dev 3']);
    await until(async () => (await core.outbox.pendingCount()) === 0, 'an empty outbox');
  });

  it('is woken by each enqueue for its channel, without a poll and without reading the outbox per row', async () => {
    core = await testCore();
    const a = new ScriptedAdapter();
    // A poll far away: only wake-ups can deliver within the test.
    delivery = new Delivery({ outbox: core.outbox, adapterFor: () => a, clock: core.clock, log: pino({ level: 'silent' }), pollMs: 3_600_000 });
    let scans = 0;
    const channelsWithPending = core.outbox.channelsWithPending.bind(core.outbox);
    core.outbox.channelsWithPending = () => (scans++, channelsWithPending());
    delivery.start();
    await until(() => scans === 1, 'the look at start-up');
    // Rows arriving one by one while the channel is being delivered (each send takes a while).
    for (let i = 1; i <= 20; i++) {
      await core.outbox.enqueue({ channel: 'irc:#ops', body: text(`line ${i}`) });
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => a.sent.length === 20, 'twenty messages');
    expect(a.sent).toEqual(Array.from({ length: 20 }, (_, i) => `irc:#ops line ${i + 1}`));
    expect(await core.outbox.pendingCount()).toBe(0);
    expect(scans).toBe(1);
  });

  it('sends higher priority first within a channel', async () => {
    core = await testCore();
    const a = new ScriptedAdapter();
    a.ready = false;
    start(a);
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('routine 1') });
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('routine 2') });
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('CRITICAL'), priority: 10 });
    a.ready = true;
    await until(() => a.sent.length === 3, 'three messages');
    expect(a.sent).toEqual(['irc:#ops CRITICAL', 'irc:#ops routine 1', 'irc:#ops routine 2']);
  });

  it('keeps rows while the adapter is down or failing, then sends them in order', async () => {
    core = await testCore();
    const a = new ScriptedAdapter();
    a.ready = false;
    start(a);
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('one') });
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('two') });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.sent).toEqual([]);
    expect(await core.outbox.pendingCount()).toBe(2);

    a.ready = true;
    a.failNext = 1;
    await delivery!.kick();
    await until(async () => (await core.outbox.pending('irc:#ops', 10))[0]?.attempts === 1, 'a failed attempt');
    expect(a.sent).toEqual([]);
    core.clock.advance(2_000); // past the retry backoff
    await until(() => a.sent.length === 2, 'both messages');
    expect(a.sent).toEqual(['irc:#ops one', 'irc:#ops two']);
    expect(await core.outbox.pendingCount()).toBe(0);
  });

  it('sets aside a message that can never be delivered and goes on with the next', async () => {
    core = await testCore();
    const a = new ScriptedAdapter();
    const send = a.send.bind(a);
    a.send = async (msg) => {
      if (renderPlain(msg.body) === 'to nobody') throw new PermanentDeliveryError('no_such_nick: gone');
      return send(msg);
    };
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('to nobody') });
    await core.outbox.enqueue({ channel: 'irc:#ops', body: text('next') });
    start(a);
    await until(() => a.sent.length === 1, 'the next message');
    expect(a.sent).toEqual(['irc:#ops next']);
    expect(await core.outbox.pendingCount()).toBe(0);
    const row = (await core.db.get<{ last_error: string; undeliverable_at: string | null }>("SELECT last_error, undeliverable_at FROM outbox WHERE body LIKE '%to nobody%'"))!;
    expect(row.last_error).toBe('no_such_nick: gone');
    expect(row.undeliverable_at).not.toBeNull();
  });

  it('leaves rows for a channel no adapter serves in the outbox', async () => {
    core = await testCore();
    start(undefined);
    await core.outbox.enqueue({ channel: 'slack:#ops', body: text('waiting') });
    await new Promise((r) => setTimeout(r, 100));
    expect((await core.outbox.pending('slack:#ops', 10)).map((r) => renderPlain(r.body))).toEqual(['waiting']);
  });
});
