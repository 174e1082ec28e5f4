import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stripCodes } from '../../src/adapters/irc/irc-render.js';
import { importServers } from '../../src/domain/servers/import.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { startIrcNetwork, type IrcNetwork, type RawIrcClient } from '../helpers/irc-network.js';

/**
 * Identity on a real network with accounts: InspIRCd linked to Atheme
 * services. The bot logs in with SASL (or NickServ), and roles follow the
 * services account, never the nick.
 */
const BOT_PASSWORD = 'bot-secret-pw';
const PASSWORDS = { bob: 'bob-secret-pw', mallory: 'mallory-secret-pw' };

async function setUp(net: IrcNetwork): Promise<void> {
  await net.registerAccount('opsbridge', BOT_PASSWORD);
  await net.registerAccount('bob', PASSWORDS.bob);
  await net.registerAccount('mallory', PASSWORDS.mallory);
}

function botConfig(net: IrcNetwork) {
  return {
    roles: { operator: ['irc:account:bob'] },
    irc: { host: '127.0.0.1', port: net.port, tls: false, channels: ['#ops'], flood: { burst: 20, rate: 50 }, sasl: { account: 'opsbridge', password: BOT_PASSWORD } },
  };
}

async function inOps(c: RawIrcClient): Promise<RawIrcClient> {
  c.send('JOIN #ops');
  await c.waitFor(new RegExp(`:${c.nick}!\\S+ JOIN`));
  return c;
}

async function botReady(t: TestBot): Promise<void> {
  await eventually(() => (t.bot.chatStatus().irc!.channels as string[]).includes('#ops') && t.bot.chatStatus().irc!.account === 'opsbridge', 'the bot logged in and in #ops');
}

/** Asks in #ops and returns the bot's answer. */
async function ask(c: RawIrcClient, line: string): Promise<string> {
  const since = c.lines.length;
  c.send(`PRIVMSG #ops :${line}`);
  const m = await c.waitFor(/^(?:@\S+ )?:opsbridge!\S+ PRIVMSG #ops :(.*)$/, 10_000, since);
  return stripCodes(m[1]!);
}

/** The scenarios, run against networks that tell accounts in different ways. */
function identityScenarios(get: () => { net: IrcNetwork; bot: TestBot }) {
  it('grants an operator their role by account', async () => {
    const { net, bot } = get();
    const bob = await inOps(await net.connectClient('bob', { saslAccount: 'bob', saslPassword: PASSWORDS.bob }));
    expect(await ask(bob, '!whoami')).toBe('bob is irc:account:bob; role: operator');
    expect(await ask(bob, '!server set web01 status=maintenance disk swap')).toBe('web01 working → maintenance (disk swap)');
    expect((await bot.bot.core.services.inventory.get('web01'))!.status).toBe('maintenance');
    await bob.close();
  });

  it("refuses someone who took an operator's nick without their account", async () => {
    const { net, bot } = get();
    const impostor = await inOps(await net.connectClient('bob'));
    expect(await ask(impostor, '!server set web02 status=poweroff')).toBe("'server set' needs the operator role; you are not identified, so you are viewer (log in to your account)");
    await impostor.close();
    const mallory = await inOps(await net.connectClient('bob', { saslAccount: 'mallory', saslPassword: PASSWORDS.mallory }));
    expect(await ask(mallory, '!server set web02 status=poweroff')).toBe("'server set' needs the operator role; you are viewer");
    expect(await ask(mallory, '!whoami')).toBe('bob is irc:account:mallory; role: viewer');
    await mallory.close();
    expect((await bot.bot.core.services.inventory.get('web02'))!.status).toBe('working');
  });

  it('a private notice for an account reaches whoever is logged in to it, never someone else on the nick', async () => {
    const { net, bot } = get();
    const outboxRow = async (id: number) => (await bot.bot.core.db.get<{ delivered_at: string | null; error: string | null }>('SELECT delivered_at, last_error AS error FROM outbox WHERE id = ?', [id]))!;
    const bob = await net.connectClient('bob', { saslAccount: 'bob', saslPassword: PASSWORDS.bob });
    const since = bob.lines.length;
    const delivered = await bot.post('irc:account:bob', '#7 alice assigned you — disk full');
    await bob.waitFor(/:opsbridge!\S+ PRIVMSG bob :#7 alice assigned you — disk full$/, 10_000, since);
    await eventually(async () => (await outboxRow(delivered)).delivered_at !== null, 'the notice marked delivered');
    await bob.close();

    const impostor = await net.connectClient('bob');
    try {
      const dropped = await bot.post('irc:account:bob', '#7 secret ticket title');
      await eventually(async () => (await outboxRow(dropped)).error !== null, 'the notice set aside');
      expect((await outboxRow(dropped)).error).toMatch(/nobody logged in as bob holds that nick now/);
      expect(impostor.lines.join('\n')).not.toContain('secret ticket title');
    } finally {
      await impostor.close();
    }
  });
}

/** A network with accounts, the bot logged in and two hosts in its inventory, for one describe block. */
function networkWithBot(opts: Parameters<typeof startIrcNetwork>[0] = {}): () => { net: IrcNetwork; bot: TestBot } {
  let net: IrcNetwork;
  let bot: TestBot;
  beforeAll(async () => {
    net = await startIrcNetwork(opts);
    await setUp(net);
    bot = await startTestBot(botConfig(net));
    importServers(bot.bot.core.services.inventory, 'name,status\nweb01,working\nweb02,working\n', 'csv', { actor: 't', source: 't' });
    await botReady(bot);
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    await net?.stop();
  });
  return () => ({ net, bot });
}

describe('on a network with account-tag, extended-join and account-notify', () => {
  const get = networkWithBot();

  it('logs in with SASL: the network shows its account', async () => {
    const watcher = await get().net.connectClient('watcher');
    watcher.send('WHOIS opsbridge');
    await watcher.waitFor(/ 330 watcher opsbridge opsbridge /);
    await watcher.close();
  });

  identityScenarios(get);
});

describe('on a network without account-tag (accounts from WHOIS)', () => {
  const get = networkWithBot({ withoutModules: ['ircv3_accounttag'] });
  identityScenarios(get);

  it('forgets an account once its holder leaves, so a later owner of the nick gets no role', async () => {
    const { net } = get();
    const bob = await inOps(await net.connectClient('bob', { saslAccount: 'bob', saslPassword: PASSWORDS.bob }));
    expect(await ask(bob, '!whoami')).toBe('bob is irc:account:bob; role: operator');
    bob.send('PART #ops');
    await bob.waitFor(/:bob!\S+ PART :?#ops/);
    await bob.close();
    const impostor = await net.connectClient('bob');
    const since = impostor.lines.length;
    impostor.send('PRIVMSG opsbridge :whoami');
    const m = await impostor.waitFor(/:opsbridge!\S+ PRIVMSG bob :(.*)$/, 10_000, since);
    expect(stripCodes(m[1]!)).toBe('bob is not identified (not logged in to an account); role: viewer');
    await impostor.close();
  });
});

describe('on a network without SASL', () => {
  let net: IrcNetwork;
  let bot: TestBot | undefined;
  beforeAll(async () => {
    net = await startIrcNetwork({ withoutModules: ['sasl'] });
    await setUp(net);
  }, 60_000);
  afterAll(async () => {
    await net?.stop();
  });
  afterEach(async () => {
    await bot?.stop();
  });

  it('identifies to NickServ instead', async () => {
    bot = await startTestBot(botConfig(net));
    await botReady(bot);
    const watcher = await net.connectClient('watcher2');
    watcher.send('WHOIS opsbridge');
    await watcher.waitFor(/ 330 watcher2 opsbridge opsbridge /);
  });
});

describe('under InspIRCd flood protection (recvq 8192, threshold 10, fakelag on)', () => {
  let net: IrcNetwork;
  let bot: TestBot | undefined;
  beforeAll(async () => {
    // commandrate 50 (measured: a client writing 15 lines/s keeps up, 20/s falls
    // behind and is cut off), so 1,000 lines take under two minutes rather than
    // the better part of an hour; recvq, threshold and fakelag are the usual ones.
    net = await startIrcNetwork({ strictFlood: true, commandRate: 50 });
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    await net?.stop();
  });

  it('disconnects a client that writes 1,000 lines at once (the control)', async () => {
    const watcher = await inOps(await net.connectClient('watcher'));
    const flooder = await inOps(await net.connectClient('flooder'));
    for (let i = 0; i < 1000; i++) flooder.send(`PRIVMSG #ops :flood line ${i} ${'x'.repeat(40)}`);
    await watcher.waitFor(/:flooder!\S+ QUIT :.*RecvQ exceeded/i, 30_000);
    await watcher.close();
  });

  it('delivers a 1,000-line burst completely and in order, stays connected, and lets urgent and other channels through', async () => {
    bot = await startTestBot({
      irc: { host: '127.0.0.1', port: net.port, tls: false, channels: ['#ops', '#alerts', '#dev'], flood: { burst: 5, rate: 10 } },
    });
    await eventually(() => (bot!.bot.chatStatus().irc!.channels as string[]).length === 3, 'the bot in three channels');
    const watcher = await net.connectClient('watcher3');
    for (const c of ['#alerts', '#ops', '#dev']) {
      watcher.send(`JOIN ${c}`);
      await watcher.waitFor(new RegExp(`watcher3!\\S+ JOIN :?${c}`));
    }
    for (let i = 1; i <= 1000; i++) await bot.post('irc:#alerts', `storm ${i} ${'x'.repeat(40)}`);
    await eventually(() => watcher.lines.filter((l) => / PRIVMSG #alerts :storm /.test(l)).length >= 50, 'the storm under way', 30_000);
    await bot.post('irc:#ops', 'CRITICAL db12 down', 10);
    await bot.post('irc:#dev', 'routine note for #dev');
    const urgentAt = (await watcher.waitFor(/PRIVMSG #ops :CRITICAL db12 down/, 10_000)).input;
    const devAt = (await watcher.waitFor(/PRIVMSG #dev :routine note/, 10_000)).input;
    const stormSoFar = (line: string) => watcher.lines.slice(0, watcher.lines.indexOf(line)).filter((l) => / PRIVMSG #alerts :/.test(l)).length;
    expect(stormSoFar(urgentAt)).toBeLessThan(200);
    expect(stormSoFar(devAt)).toBeLessThan(200);

    await eventually(() => watcher.lines.filter((l) => / PRIVMSG #alerts :storm /.test(l)).length === 1000, 'all 1,000 lines', 150_000);
    const got = watcher.lines.filter((l) => / PRIVMSG #alerts :storm /.test(l)).map((l) => Number(/storm (\d+)/.exec(l)![1]));
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(watcher.lines.some((l) => /:opsbridge!\S+ QUIT/.test(l))).toBe(false);
    expect(bot.bot.chatStatus().irc!.connected).toBe(true);
    expect(await bot.bot.core.outbox.pendingCount()).toBe(0);
  }, 200_000);
});
