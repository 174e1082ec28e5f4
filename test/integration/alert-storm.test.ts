import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { connectRawClient, parseIrcLine, type RawIrcClient } from '../helpers/irc-network.js';
import { startNgircd, type Ngircd } from '../helpers/ngircd.js';

/**
 * 10,000 alerts into one IRC channel on a real ngircd with its flood
 * penalty on: the bot must stay connected, the channel must get digests
 * instead of 10,000 lines, and every alert must be accounted for.
 */
const TOKEN = 'storm-token-0123456789';
const ALERTS = 10_000;
const NAMES = ['DiskFull', 'HighLoad', 'NodeDown', 'OOMKill', 'CertExpiry'];

let server: Ngircd;
let bot: TestBot;
let watcher: RawIrcClient;

beforeAll(async () => {
  server = await startNgircd({ penalty: true });
  bot = await startTestBot({
    http: { listen: '127.0.0.1:0', token: TOKEN },
    irc: { host: '127.0.0.1', port: server.port, tls: false, nick: 'opsbridge', channels: ['#alerts'] },
    alerts: { routes: [{ to: ['irc:#alerts'] }] },
  });
  watcher = await connectRawClient(server.port, 'watcher');
  watcher.send('JOIN #alerts');
  await watcher.waitFor(/JOIN :?#alerts/);
  await eventually(() => (bot.bot.chatStatus().irc!.channels as string[]).includes('#alerts'), 'the bot in #alerts');
});

afterAll(async () => {
  await watcher?.close();
  await bot?.stop();
  await server?.stop();
});

function fromBot(): string[] {
  return watcher.lines.map(parseIrcLine).filter((l) => l.command === 'PRIVMSG' && l.nick === 'opsbridge').map((l) => l.params[1]!);
}

describe('an alert storm', () => {
  it('reaches the channel as digests, keeps the bot connected and accounts for every alert', async () => {
    const url = `http://127.0.0.1:${bot.bot.http.port}/api/v1/alerts`;
    const accepted: number[] = [];
    let next = 0;
    // Eight senders at once, as a burst from many alerting scripts would be.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ALERTS) {
          const i = next++;
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ title: `${NAMES[i % NAMES.length]}`, severity: i % 10 === 0 ? 'critical' : 'warning', host: `web${String(i).padStart(5, '0')}` }),
          });
          expect(res.status).toBe(202);
          const body = (await res.json()) as { alerts: Array<{ id: number }> };
          accepted.push(body.alerts[0]!.id);
        }
      }),
    );
    expect(new Set(accepted).size).toBe(ALERTS);

    const db = bot.bot.core.db;
    const pending = () => db.value<number>("SELECT COUNT(*) FROM outbox WHERE channel = 'irc:#alerts' AND delivered_at IS NULL AND condensed_into IS NULL");
    await eventually(async () => (await pending()) === 0, 'the channel backlog to drain', 120_000);

    // Every alert is stored, and its outbox row was delivered or replaced by a delivered digest.
    expect(await db.value('SELECT COUNT(*) FROM alerts')).toBe(ALERTS);
    const unaccounted = await db.value(`SELECT COUNT(*) FROM outbox o WHERE o.kind = 'alert' AND o.delivered_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM outbox d WHERE d.id = o.condensed_into AND d.delivered_at IS NOT NULL)`);
    expect(unaccounted).toBe(0);

    // What the channel saw: a few dozen lines, whose counts add up to every alert.
    await eventually(async () => fromBot().length >= (await db.value<number>("SELECT COUNT(*) FROM outbox WHERE channel = 'irc:#alerts' AND delivered_at IS NOT NULL"))!, 'every delivered line to reach the watcher', 30_000);
    const lines = fromBot();
    console.log(`storm: ${ALERTS} alerts reached the channel as ${lines.length} lines`);
    expect(lines.length).toBeLessThan(100);
    const digests = lines.filter((l) => /⚠ \d+ firing:/.test(l));
    expect(digests.length).toBeGreaterThan(0);
    expect(digests[0]).toMatch(/\d+× \S*(DiskFull|HighLoad|NodeDown|OOMKill|CertExpiry)/);
    const inDigests = digests.reduce((n, l) => n + Number(/⚠ (\d+) firing:/.exec(l)![1]), 0);
    const single = lines.filter((l) => /\(#\d+\)/.test(l)).length;
    expect(inDigests + single).toBe(ALERTS);

    // Still connected: never quit, still in the channel, and it still answers.
    expect(watcher.lines.some((l) => /^:opsbridge!\S+ QUIT/.test(l))).toBe(false);
    expect(bot.bot.chatStatus().irc!.connected).toBe(true);
    const since = watcher.lines.length;
    watcher.send('PRIVMSG #alerts :!alerts DiskFull');
    await watcher.waitFor(/PRIVMSG #alerts :\W*2000 firing alerts\W+DiskFull/, 30_000, since);
  }, 240_000);
});
