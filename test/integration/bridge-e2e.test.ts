import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stripCodes } from '../../src/adapters/irc/irc-render.js';
import { join } from 'node:path';
import { text } from '../../src/chat/rich-text.js';
import { systemClock } from '../../src/clock.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { importServers } from '../../src/domain/servers/import.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { connectRawClient, parseIrcLine, type RawIrcClient } from '../helpers/irc-network.js';
import { startNgircd, type Ngircd } from '../helpers/ngircd.js';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.js';

/**
 * The bridge end to end: a real ngircd on one side, the Slack stand-in on
 * the other, the whole bot in between.
 */
let irc: Ngircd;
let slack: SlackStandin;
let testBot: TestBot;
let carol: RawIrcClient;

beforeAll(async () => {
  irc = await startNgircd();
});
afterAll(async () => {
  await irc.stop();
});

async function startBridgeBot(dir?: string): Promise<TestBot> {
  const t = await startTestBot(
    {
      irc: { host: '127.0.0.1', port: irc.port, tls: false, channels: ['#ops'], flood: { burst: 50, rate: 100 } },
      slack: { bot_token: slack.botToken, app_token: slack.appToken, api_url: slack.apiUrl, rate: 50 },
      bridges: [['irc:#ops', 'slack:#ops']],
      people: [{ name: 'dave', irc: 'dave', slack: 'UDAVE001' }],
    },
    dir,
  );
  await eventually(() => t.bot.chatStatus().slack!.connected === true && (t.bot.chatStatus().irc!.channels as string[]).includes('#ops'), 'the bot on both sides');
  return t;
}

beforeEach(async () => {
  slack = await startSlackStandin();
  slack.addUser({ id: 'UALICE01', name: 'alice', displayName: 'Alice' });
  slack.addUser({ id: 'UBOB0001', name: 'bob', displayName: 'bob' });
  slack.addUser({ id: 'UDAVE001', name: 'david', displayName: 'David' });
  slack.addChannel({ id: 'C0OPS0001', name: 'ops' });
  testBot = await startBridgeBot();
  carol = await connectRawClient(irc.port, 'carol');
  carol.send('JOIN #ops');
  await carol.waitFor(/carol!\S+ JOIN/);
});
afterEach(async () => {
  await carol.close().catch(() => {});
  await testBot.stop();
  await slack.stop();
});

/** What carol reads from the bot in #ops, codes stripped. */
const ircSees = (since = 0) =>
  carol.lines
    .slice(since)
    .map(parseIrcLine)
    .filter((l) => l.command === 'PRIVMSG' && l.nick === 'opsbridge' && l.params[0] === '#ops')
    .map((l) => stripCodes(l.params[1]!));
const slackSees = () => slack.posted.filter((p) => p.channel === 'C0OPS0001' && p.via === 'api');

describe('IRC → Slack', () => {
  it('posts with the nick as author, formatting carried over', async () => {
    carol.send('PRIVMSG #ops :db12 is \x02really\x02 slow & <!channel>');
    const p = await slack.waitForPost((m) => m.text.includes('really'));
    expect(p).toMatchObject({ username: 'carol', text: 'db12 is *really* slow &amp; &lt;!channel&gt;' });
  });

  it('turns /me into italics and a leading nick into a real mention', async () => {
    carol.send('PRIVMSG #ops :\x01ACTION reboots web01\x01');
    await slack.waitForPost((m) => m.text === '_reboots web01_' && m.username === 'carol');
    carol.send('PRIVMSG #ops :bob: can you look?');
    await slack.waitForPost((m) => m.text === '<@UBOB0001>: can you look?');
    carol.send('PRIVMSG #ops :dave: and you');
    await slack.waitForPost((m) => m.text === '<@UDAVE001>: and you');
  });

  it('falls back to <nick> text when the app may not set a username', async () => {
    await testBot.stop();
    await slack.stop();
    slack = await startSlackStandin({ customizeAllowed: false });
    slack.addChannel({ id: 'C0OPS0001', name: 'ops' });
    testBot = await startBridgeBot();
    carol.send('PRIVMSG #ops :hello from irc');
    const p = await slack.waitForPost((m) => m.text.endsWith('hello from irc'));
    expect(p.text).toBe('&lt;carol&gt; hello from irc');
    expect(p.username).toBeUndefined();
  });
});

describe('Slack → IRC', () => {
  it('shows <name> text without pinging the IRC nick, with mentions, links and formatting translated', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: 'hey <@UALICE01> see <https://x.io/a|the graph> *now* in <#C0OPS0001>' });
    await eventually(() => ircSees().length > 0, 'the relay on IRC');
    expect(ircSees()).toEqual(['<b\u200bob> hey @Alice see the graph (https://x.io/a) now in #ops']);
    const raw = carol.lines.find((l) => l.includes('the graph'))!;
    expect(raw).toContain('\x02now\x0f');
  });

  it('splits multi-line messages and code blocks into IRC lines, and relays /me, edits, threads and files', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'first line\nsecond line\n```\ncode here\n```' });
    await eventually(() => ircSees().length >= 3, 'three lines');
    expect(ircSees()).toEqual(['<A\u200blice> first line', '<A\u200blice> second line', '<A\u200blice> code here']);
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'waves', subtype: 'me_message' });
    await eventually(() => ircSees().includes('* A\u200blice waves'), 'the /me');
    const parent = await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'deploy of app v2 starting now please hold' });
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: 'ack', thread_ts: parent });
    await eventually(() => ircSees().some((l) => l.includes('ack')), 'the thread reply');
    expect(ircSees().find((l) => l.includes('ack'))).toBe('<b\u200bob> (in thread “deploy of app v2 starting…”) ack');
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'deploy of app v3 starting now please hold', edited: true });
    await eventually(() => ircSees().some((l) => l.includes('(edit)')), 'the edit');
    expect(ircSees().find((l) => l.includes('(edit)'))).toBe('<A\u200blice> (edit) deploy of app v3 starting now please hold');
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'the graph', subtype: 'file_share', files: [{ name: 'cpu.png', permalink: 'https://files.example/cpu.png' }] });
    await eventually(() => ircSees().some((l) => l.includes('cpu.png')), 'the file');
    expect(ircSees().slice(-2)).toEqual(['<A\u200blice> the graph', '<A\u200blice> cpu.png: https://files.example/cpu.png']);
  });
});

describe('no loops, no echoes, commands answered once', () => {
  it('answers a command on the side it was typed and relays both to the other side', async () => {
    await importServers(testBot.bot.core.services.inventory, 'name,status\nweb01,working\n', 'csv', { actor: 't', source: 't' });
    carol.send('PRIVMSG #ops :!server web01');
    await eventually(() => ircSees().length === 1, 'the answer on IRC');
    await slack.waitForPost((m) => m.text.includes('*web01*'));
    await new Promise((r) => setTimeout(r, 500));
    expect(ircSees()).toEqual(['web01 · working']);
    expect(slackSees().map((p) => [p.username, p.text])).toEqual([
      ['carol', '!server web01'],
      [undefined, '*web01* · working'],
    ]);

    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: '!server web01' });
    await eventually(() => slackSees().length === 3, 'the answer on Slack');
    await eventually(() => ircSees().length === 3, 'the command and answer on IRC');
    await new Promise((r) => setTimeout(r, 500));
    expect(slackSees()).toHaveLength(3);
    expect(ircSees()).toEqual(['web01 · working', '<b\u200bob> !server web01', 'web01 · working']);
  });
});

describe("other bots' posts", () => {
  it('are not relayed unless relay_bots is set, and then never run as commands', async () => {
    const botPost = (text: string) =>
      slack.sendEvent({ type: 'message', subtype: 'bot_message', bot_id: 'BOTHER001', username: 'deploybot', text, channel: 'C0OPS0001', channel_type: 'channel', ts: `${Date.now() / 1000}` });
    await botPost('deploy finished');
    carol.send('PRIVMSG #ops :marker');
    await slack.waitForPost((p) => p.text === 'marker');
    await new Promise((r) => setTimeout(r, 300));
    expect(ircSees()).toEqual([]);

    await testBot.stop();
    testBot = await startTestBot({
      irc: { host: '127.0.0.1', port: irc.port, tls: false, channels: ['#ops'] },
      slack: { bot_token: slack.botToken, app_token: slack.appToken, api_url: slack.apiUrl, relay_bots: true },
      bridges: [['irc:#ops', 'slack:#ops']],
    });
    await eventually(() => testBot.bot.chatStatus().slack!.connected === true && (testBot.bot.chatStatus().irc!.channels as string[]).includes('#ops'), 'the bot back');
    await botPost('!servers');
    await eventually(() => ircSees().includes('<d\u200beploybot> !servers'), 'the relayed bot post');
    await new Promise((r) => setTimeout(r, 300));
    expect(slackSees().filter((p) => p.text.includes('servers'))).toEqual([]);
  });
});

describe('nothing lost', () => {
  it('keeps Slack messages while IRC is down and delivers them in order after it comes back', async () => {
    await irc.kill();
    await eventually(() => testBot.bot.chatStatus().irc!.connected === false, 'IRC down');
    for (let i = 1; i <= 5; i++) await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: `while down ${i}` });
    await irc.restart();
    carol = await connectRawClient(irc.port, 'carol');
    carol.send('JOIN #ops');
    await eventually(() => ircSees().filter((l) => l.includes('while down')).length === 5, 'five relays', 30_000);
    expect(ircSees().filter((l) => l.includes('while down'))).toEqual([1, 2, 3, 4, 5].map((i) => `<A\u200blice> while down ${i}`));
  }, 60_000);

  it('rides out a 429 storm on the Slack side', async () => {
    slack.rateLimit(4, 1, 'chat.postMessage');
    for (let i = 1; i <= 4; i++) carol.send(`PRIVMSG #ops :storm ${i}`);
    await eventually(() => slackSees().filter((p) => p.text.startsWith('storm')).length === 4, 'four posts', 50_000);
    expect(slackSees().map((p) => p.text)).toEqual(['storm 1', 'storm 2', 'storm 3', 'storm 4']);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429)).toHaveLength(4);
  }, 60_000);

  it('delivers after a restart what was accepted while it was down', async () => {
    const dir = testBot.dir;
    await testBot.bot.stop();
    // Another process (opsbridge run, a hook) accepts a message while the bot is down.
    const db = openSqlite(join(dir, 'bot.db'));
    await new Outbox(db, systemClock).enqueue({ channel: 'slack:#ops', body: text('accepted while down') });
    await db.close();
    expect(slack.posted.some((m) => m.text === 'accepted while down')).toBe(false);
    testBot = await startBridgeBot(dir);
    await slack.waitForPost((m) => m.text === 'accepted while down');
    await eventually(async () => (await testBot.bot.core.outbox.pendingCount()) === 0, 'an empty outbox');
  });
});
