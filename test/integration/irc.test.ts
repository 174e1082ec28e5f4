import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importServers } from '../../src/domain/servers/import.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { connectRawClient, parseIrcLine, type RawIrcClient } from '../helpers/irc-network.js';
import { startNgircd, type Ngircd } from '../helpers/ngircd.js';

/**
 * The bot against a real ngircd (penalty off: these tests are not about
 * flooding), driven by a second client acting as an engineer.
 */
let server: Ngircd;
let testBot: TestBot | undefined;
const clients: RawIrcClient[] = [];

beforeAll(async () => {
  server = await startNgircd();
});
afterAll(async () => {
  await server.stop();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await testBot?.stop();
  testBot = undefined;
});

function ircConfig(extra: Record<string, unknown> = {}) {
  return {
    roles: { default: 'operator' },
    irc: { host: '127.0.0.1', port: server.port, tls: false, nick: 'opsbridge', channels: ['#ops', '#dev'], flood: { burst: 20, rate: 50 }, rejoin_delay: '300ms', ...extra },
  };
}

async function engineer(nick = 'alice', channels = ['#ops']): Promise<RawIrcClient> {
  const c = await connectRawClient(server.port, nick);
  clients.push(c);
  for (const ch of channels) {
    c.send(`JOIN ${ch}`);
    await c.waitFor(new RegExp(`^:${nick}!\\S+ JOIN :?${ch}$`, 'i'));
  }
  return c;
}

/** Texts of the bot's PRIVMSGs to `target` that a client received, from line `since` on. */
function fromBot(c: RawIrcClient, target: string, since = 0, botNick = 'opsbridge'): string[] {
  return c.lines
    .slice(since)
    .map(parseIrcLine)
    .filter((l) => l.command === 'PRIVMSG' && l.nick === botNick && l.params[0]!.toLowerCase() === target.toLowerCase())
    .map((l) => l.params[1]!);
}

async function botInChannels(t: TestBot, ...channels: string[]) {
  await eventually(() => {
    const status = statusOf(t);
    return status.connected && channels.every((c) => (status.channels as string[]).includes(c));
  }, `the bot in ${channels.join(', ')}`);
}

function statusOf(t: TestBot) {
  return t.bot.chatStatus().irc!;
}

describe('commands from IRC', () => {
  it('answers a command in a channel, by prefix and by nick', async () => {
    testBot = await startTestBot(ircConfig());
    importServers(testBot.bot.core.services.inventory, 'name,ips,status\nweb01,10.0.0.1,working\n', 'csv', { actor: 't', source: 't' });
    const alice = await engineer();
    await botInChannels(testBot, '#ops');
    alice.send('PRIVMSG #ops :!server web01');
    await alice.waitFor(/PRIVMSG #ops :.*web01.*working/);
    alice.send('PRIVMSG #ops :opsbridge: server web1');
    await alice.waitFor(/PRIVMSG #ops :no server 'web1' — did you mean web01\?/);
    alice.send('PRIVMSG #ops :just chatting about web01');
    alice.send('PRIVMSG #ops :!whoami');
    await alice.waitFor(/PRIVMSG #ops :alice is not identified/);
    expect(fromBot(alice, '#ops').some((t) => t.includes('chatting'))).toBe(false);
  });

  it('answers a private message privately, without a prefix', async () => {
    testBot = await startTestBot(ircConfig());
    const alice = await engineer('alice', []);
    await botInChannels(testBot, '#ops');
    alice.send('PRIVMSG opsbridge :help server');
    await alice.waitFor(/^:opsbridge!\S+ PRIVMSG alice :.*!server/);
  });

  it('cuts a long reply in a channel at five lines and sends the whole reply privately', async () => {
    testBot = await startTestBot(ircConfig());
    const alice = await engineer();
    await botInChannels(testBot, '#ops');
    alice.send('PRIVMSG #ops :!help');
    await alice.waitFor(/PRIVMSG #ops :…\d+ more lines sent to alice privately/);
    const inChannel = fromBot(alice, '#ops');
    expect(inChannel).toHaveLength(5);
    // The whole reply, privately: it ends with the help footer.
    await eventually(() => fromBot(alice, 'alice').some((l) => l.includes('!help COMMAND shows usage and examples.')), 'the whole reply in private');
    expect(fromBot(alice, 'alice').length).toBeGreaterThan(5);
  });

  it('splits long and multibyte text within 512 bytes, on word boundaries, without breaking characters', async () => {
    testBot = await startTestBot(ircConfig());
    await botInChannels(testBot, '#dev');
    const words = Array.from({ length: 120 }, (_, i) => `語${i}ü🚀`);
    const long = words.join(' ');
    const bob = await engineer('bob', ['#dev']);
    await testBot.post('irc:#dev', long);
    await eventually(() => fromBot(bob, '#dev').join(' ').split(' ').length >= words.length, 'the whole text');
    const raw = bob.lines.filter((l) => / PRIVMSG #dev :/.test(l) && l.startsWith(':opsbridge!'));
    for (const l of raw) {
      expect(Buffer.byteLength(l) + 2).toBeLessThanOrEqual(512);
      expect(l).not.toContain('\ufffd');
    }
    expect(raw.length).toBeGreaterThan(1);
    expect(fromBot(bob, '#dev').join(' ')).toBe(long);
  });

  it('cuts a grapheme wider than a line between code points instead of being disconnected for it', async () => {
    testBot = await startTestBot(ircConfig());
    const bob = await engineer('bob', ['#dev']);
    await botInChannels(testBot, '#dev');
    await testBot.post('irc:#dev', 'hello ' + 'e' + '\u0301'.repeat(300) + ' world');
    await testBot.post('irc:#dev', 'still connected');
    await bob.waitFor(/PRIVMSG #dev :still connected/);
    expect(statusOf(testBot).connected).toBe(true);
    expect(testBot.logs.some((l) => l.msg === 'IRC connection lost; reconnecting')).toBe(false);
  });

  it('keeps formatting across a split', async () => {
    testBot = await startTestBot(ircConfig());
    const bob = await engineer('bob', ['#dev']);
    await botInChannels(testBot, '#dev');
    const { bold, line, richText } = await import('../../src/chat/rich-text.js');
    testBot.bot.core.outbox.enqueue({ channel: 'irc:#dev', body: richText(line(bold('word '.repeat(150).trim()))) });
    await eventually(() => fromBot(bob, '#dev').length >= 2, 'two lines');
    const [first, second] = fromBot(bob, '#dev');
    expect(first!.startsWith('\x02word')).toBe(true);
    expect(second!.startsWith('\x02word')).toBe(true);
  });
});

describe('never injects IRC commands', () => {
  it('turns CR, LF and NUL in any text into separate lines or nothing, and stays connected', async () => {
    testBot = await startTestBot(ircConfig());
    importServers(
      testBot.bot.core.services.inventory,
      JSON.stringify([{ name: 'evil01', os: 'Debian\r\nQUIT :bye', model: 'x\u0000PRIVMSG #ops :pwned' }]),
      'json',
      { actor: 't', source: 't' },
    );
    const alice = await engineer();
    await botInChannels(testBot, '#ops');
    alice.send('PRIVMSG #ops :!server evil01');
    await testBot.post('irc:#ops', 'x\r\nQUIT :bye\u0000\nPRIVMSG #ops :pwned\rJOIN #evil');
    await testBot.post('irc:#ops', 'still here');
    await alice.waitFor(/PRIVMSG #ops :still here/);
    const statusNow = statusOf(testBot);
    expect(statusNow.connected).toBe(true);
    // Every line the bot sent is a PRIVMSG to #ops: nothing became a command of its own.
    const fromTheBot = alice.lines.map(parseIrcLine).filter((l) => l.nick === 'opsbridge');
    expect(fromTheBot.every((l) => l.command === 'PRIVMSG' || l.command === 'JOIN')).toBe(true);
    expect(fromTheBot.filter((l) => l.command === 'JOIN').map((l) => l.params[0])).toEqual(['#ops']);
    expect(fromBot(alice, '#ops')).toContain('QUIT :bye');
    alice.send('PRIVMSG #ops :!whoami');
    await alice.waitFor(/PRIVMSG #ops :alice is not identified/);
  });
});

describe('connection', () => {
  it('delivers what was queued during a server outage, in order, after reconnect and rejoin', async () => {
    testBot = await startTestBot(ircConfig());
    await botInChannels(testBot, '#ops', '#dev');
    await server.kill();
    await eventually(() => statusOf(testBot!).connected === false, 'the bot to notice the outage');
    for (let i = 1; i <= 10; i++) await testBot.post('irc:#ops', `queued ${i}`);
    await server.restart();
    // Join before the bot is back, so the messages can be seen.
    const alice = await engineer();
    await botInChannels(testBot, '#ops', '#dev');
    await eventually(() => fromBot(alice, '#ops').length === 10, 'ten queued messages', 30_000);
    expect(fromBot(alice, '#ops')).toEqual(Array.from({ length: 10 }, (_, i) => `queued ${i + 1}`));
    expect(await testBot.bot.core.outbox.pendingCount()).toBe(0);
  });

  it('takes the next nick when its own is in use, and regains it when it frees', async () => {
    const squatter = await connectRawClient(server.port, 'opsbridge');
    clients.push(squatter);
    // In a shared channel the bot sees the QUIT and takes its nick back at once
    // (elsewhere it retries every 30 s).
    squatter.send('JOIN #ops');
    await squatter.waitFor(/JOIN :?#ops/);
    testBot = await startTestBot(ircConfig());
    await botInChannels(testBot, '#ops');
    expect(statusOf(testBot).nick).toBe('opsbridge_');
    const alice = await engineer();
    alice.send('PRIVMSG #ops :opsbridge_: whoami');
    await alice.waitFor(/PRIVMSG #ops :alice is not identified/);
    await squatter.close();
    await eventually(() => statusOf(testBot!).nick === 'opsbridge', 'the nick back');
    alice.send('PRIVMSG #ops :opsbridge: whoami');
    await alice.waitFor(/:opsbridge!\S+ PRIVMSG #ops :alice is not identified/);
  });

  it('joins a channel that has a key', async () => {
    const op = await connectRawClient(server.port, 'keyholder');
    clients.push(op);
    op.send('JOIN #secret');
    await op.waitFor(/JOIN :?#secret/);
    op.send('MODE #secret +k sesame');
    await op.waitFor(/MODE #secret \+k/);
    testBot = await startTestBot(ircConfig({ channels: ['#ops', { name: '#secret', key: 'sesame' }] }));
    await botInChannels(testBot, '#ops', '#secret');
    await testBot.post('irc:#secret', 'inside');
    await op.waitFor(/:opsbridge!\S+ PRIVMSG #secret :inside/);
  });

  it('rejoins after a kick', async () => {
    const op = await connectRawClient(server.port, 'chanop');
    clients.push(op);
    op.send('JOIN #ops');
    await op.waitFor(/JOIN :?#ops/);
    testBot = await startTestBot(ircConfig());
    await botInChannels(testBot, '#ops');
    op.send('KICK #ops opsbridge :out');
    await op.waitFor(/KICK #ops opsbridge/);
    await op.waitFor(/:opsbridge!\S+ JOIN :?#ops/, 10_000, op.lines.length);
    await botInChannels(testBot, '#ops');
  });

  it('answers CTCP VERSION and PING, ignores other CTCP, its ignore list and notices', async () => {
    testBot = await startTestBot(ircConfig({ ignore: ['*bot'] }));
    const alice = await engineer();
    const otherbot = await engineer('buildbot');
    await botInChannels(testBot, '#ops');
    alice.send('PRIVMSG opsbridge :\x01VERSION\x01');
    await alice.waitFor(/NOTICE alice :\x01VERSION opsbridge\x01/);
    alice.send('PRIVMSG opsbridge :\x01PING 12345\x01');
    await alice.waitFor(/NOTICE alice :\x01PING 12345\x01/);
    alice.send('PRIVMSG opsbridge :\x01TIME\x01');
    otherbot.send('PRIVMSG #ops :!whoami');
    alice.send('NOTICE #ops :!whoami');
    alice.send('PRIVMSG #ops :!servers');
    await alice.waitFor(/PRIVMSG #ops :no servers/);
    expect(fromBot(alice, '#ops')).toEqual(['no servers in the inventory yet (opsbridge servers import FILE)']);
    expect(alice.lines.some((l) => l.includes('TIME'))).toBe(false);
  });

  it('reports IRC in /healthz', async () => {
    testBot = await startTestBot(ircConfig());
    await botInChannels(testBot, '#ops');
    const { host, port } = testBot.bot.http;
    const body = (await (await fetch(`http://${host}:${port}/healthz`)).json()) as { status: string; chat: { irc: { connected: boolean; queued: number } } };
    expect(body.status).toBe('ok');
    expect(body.chat.irc).toMatchObject({ connected: true, queued: 0, nick: 'opsbridge' });
    await server.kill();
    await eventually(() => statusOf(testBot!).connected === false, 'disconnect');
    const down = (await (await fetch(`http://${host}:${port}/healthz`)).json()) as { status: string; chat: { irc: { connected: boolean } } };
    expect(down.status).toBe('degraded');
    expect(down.chat.irc.connected).toBe(false);
    await server.restart();
  });
});
