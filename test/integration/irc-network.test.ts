import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIrcLine, startIrcNetwork, type IrcNetwork, type RawIrcClient } from '../helpers/irc-network.js';

// The harness itself: a real InspIRCd + Atheme on loopback, with accounts.
describe('IRC test network (inspircd + atheme)', { timeout: 30_000 }, () => {
  let network: IrcNetwork;
  let alice: RawIrcClient;
  let watcher: RawIrcClient;
  let impostor: RawIrcClient;
  const password = 'correct-horse-battery';

  beforeAll(async () => {
    network = await startIrcNetwork();
    await network.registerAccount('alice', password);
  }, 60_000);

  afterAll(async () => {
    await network?.stop();
  }, 60_000);

  it('logs a client in with SASL PLAIN', async () => {
    alice = await network.connectClient('alice', {
      saslAccount: 'alice',
      saslPassword: password,
      caps: ['account-tag', 'extended-join', 'account-notify'],
    });
    expect(alice.account).toBe('alice');
    expect([...alice.caps].sort()).toEqual(['account-notify', 'account-tag', 'extended-join', 'sasl']);
    const loggedIn = parseIrcLine((await alice.waitFor(/^:\S+ 900 /)).input);
    expect(loggedIn.params[2]).toBe('alice');
    await alice.waitFor(/^:\S+ 903 /);
  });

  it('rejects a wrong SASL password', async () => {
    await expect(network.connectClient('mallory', { saslAccount: 'alice', saslPassword: 'wrong-password' })).rejects.toThrow(/ 904 /);
  });

  it('shows the account in extended-join and in the account tag', async () => {
    watcher = await network.connectClient('watcher', { caps: ['account-tag', 'extended-join'] });
    watcher.send('JOIN #ops');
    await watcher.waitFor(/^:\S+ 366 watcher #ops /);

    const since = watcher.lines.length;
    alice.send('JOIN #ops');
    const join = parseIrcLine((await watcher.waitFor(/^(?:@\S+ )?:alice!\S+ JOIN /, 10_000, since)).input);
    // extended-join: JOIN <channel> <account> :<realname>
    expect(join.params[0]).toBe('#ops');
    expect(join.params[1]).toBe('alice');

    alice.send('PRIVMSG #ops :hello from alice');
    const msg = await watcher.waitFor(/^@\S*account=alice\S* :alice!\S+ PRIVMSG #ops :hello from alice$/, 10_000, since);
    expect(parseIrcLine(msg.input).tags.account).toBe('alice');
  });

  it('gives no account to an unauthenticated client', async () => {
    impostor = await network.connectClient('alice_', { caps: ['account-tag', 'extended-join'] });
    const since = watcher.lines.length;
    impostor.send('JOIN #ops');
    const join = parseIrcLine((await watcher.waitFor(/^(?:@\S+ )?:alice_!\S+ JOIN /, 10_000, since)).input);
    expect(join.params[1]).toBe('*');

    impostor.send('PRIVMSG #ops :I am alice, honest');
    const msg = parseIrcLine((await watcher.waitFor(/:alice_!\S+ PRIVMSG #ops :I am alice/, 10_000, since)).input);
    expect(msg.tags.account).toBeUndefined();
  });

  it('WHOIS shows 330 for the logged-in user only', async () => {
    let since = impostor.lines.length;
    impostor.send('WHOIS alice');
    await impostor.waitFor(/^:\S+ 318 alice_ alice /, 10_000, since);
    const whoisAlice = impostor.lines.slice(since).map(parseIrcLine);
    const acct = whoisAlice.find((l) => l.command === '330');
    expect(acct?.params.slice(1, 3)).toEqual(['alice', 'alice']);

    since = alice.lines.length;
    alice.send('WHOIS alice_');
    await alice.waitFor(/^(?:@\S+ )?:\S+ 318 alice alice_ /, 10_000, since);
    const whoisImpostor = alice.lines.slice(since).map(parseIrcLine);
    expect(whoisImpostor.some((l) => l.command === '311')).toBe(true);
    expect(whoisImpostor.some((l) => l.command === '330')).toBe(false);
  });

  it('registers more accounts without throttling', async () => {
    const names = ['bob', 'carol', 'dave', 'erin', 'frank', 'grace'];
    await Promise.all(names.map((name) => network.registerAccount(name, `pw-${name}-secret`)));
    const grace = await network.connectClient('grace', { saslAccount: 'grace', saslPassword: 'pw-grace-secret' });
    expect(grace.account).toBe('grace');
    await expect(network.registerAccount('bob', 'another-pass')).rejects.toThrow(/NickServ said/);
  });

  it('sends account-notify when a user identifies and logs out', async () => {
    const carol = await network.connectClient('carol');
    carol.send('JOIN #ops');
    await carol.waitFor(/ 366 carol #ops /);
    const since = alice.lines.length;
    carol.send('PRIVMSG NickServ :IDENTIFY carol pw-carol-secret');
    await alice.waitFor(/^(?:@\S+ )?:carol!\S+ ACCOUNT :?carol$/, 10_000, since);
    carol.send('PRIVMSG NickServ :LOGOUT');
    await alice.waitFor(/^(?:@\S+ )?:carol!\S+ ACCOUNT :?\*$/, 10_000, since);
  });

  it('lets clients flood by default', async () => {
    const since = watcher.lines.length;
    for (let i = 1; i <= 300; i++) impostor.send(`PRIVMSG watcher :burst ${i} ${'x'.repeat(80)}`);
    await watcher.waitFor(/ PRIVMSG watcher :burst 300 /, 10_000, since);
    expect(impostor.closed).toBe(false);
  });
});

describe('IRC test network with strictFlood', { timeout: 30_000 }, () => {
  let network: IrcNetwork;

  beforeAll(async () => {
    network = await startIrcNetwork({ strictFlood: true });
  }, 60_000);

  afterAll(async () => {
    await network?.stop();
  }, 60_000);

  it('fakelags a fast burst and drops a client whose recvq overflows', async () => {
    const target = await network.connectClient('target');
    const flooder = await network.connectClient('flooder');
    for (let i = 1; i <= 12; i++) flooder.send(`PRIVMSG target :lag ${i}`);
    const first = await target.waitFor(/ PRIVMSG target :lag 1$/);
    const t1 = Date.now();
    await target.waitFor(/ PRIVMSG target :lag 12$/, 15_000);
    expect(first).toBeTruthy();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(1_000);
    expect(flooder.closed).toBe(false);

    // The flooder's own socket may be reset before ERROR arrives, so watch its QUIT from a shared channel.
    flooder.send('JOIN #flood');
    await flooder.waitFor(/ 366 flooder #flood /, 15_000);
    target.send('JOIN #flood');
    await target.waitFor(/ 366 target #flood /);
    for (let i = 1; i <= 300; i++) flooder.send(`PRIVMSG target :bulk ${i} ${'x'.repeat(80)}`);
    await target.waitFor(/^(?:@\S+ )?:flooder!\S+ QUIT :RecvQ exceeded/, 15_000);
  });
});
