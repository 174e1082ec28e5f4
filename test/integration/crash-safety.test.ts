import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sqlite.js';
import { eventually } from '../helpers/bot.js';
import { RunningBot } from '../helpers/cli.js';
import { connectRawClient, parseIrcLine, type RawIrcClient } from '../helpers/irc-network.js';
import { startNgircd, type Ngircd } from '../helpers/ngircd.js';
import { freePort } from '../helpers/ports.js';

/**
 * `kill -9` while alerts are being posted: every alert that got a 202 is in
 * the store after a restart, and every outbox row reaches the channel once
 * more at most: rows delivered before the kill are not sent again, the rest
 * are sent after the restart.
 */
const TOKEN = 'crash-token-0123456789';

let server: Ngircd;
let watcher: RawIrcClient;
let dir: string;

beforeAll(async () => {
  server = await startNgircd();
  watcher = await connectRawClient(server.port, 'watcher');
  watcher.send('JOIN #alerts');
  await watcher.waitFor(/JOIN :?#alerts/);
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-crash-'));
});

afterAll(async () => {
  await watcher?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Alert ids in the bot's lines to #alerts, from watcher line `since` on. */
function deliveredIds(since = 0): number[] {
  return watcher.lines
    .slice(since)
    .map(parseIrcLine)
    .filter((l) => l.command === 'PRIVMSG' && l.nick === 'opsbridge' && l.params[0] === '#alerts')
    .map((l) => Number(/\(#(\d+)\)/.exec(l.params[1]!)?.[1]))
    .filter((n) => n > 0);
}

describe('crash safety', () => {
  it('keeps every acknowledged alert and delivers every outbox row after SIGKILL', async () => {
    const port = await freePort();
    const config = join(dir, 'opsbridge.yaml');
    writeFileSync(
      config,
      [
        `database: ${join(dir, 'bot.db')}`,
        'log: { level: warn }',
        `http: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }`,
        `irc: { host: 127.0.0.1, port: ${server.port}, tls: false, nick: opsbridge, channels: ["#alerts"], flood: { burst: 5, rate: 100 } }`,
        // Slower delivery than posting, so there is a backlog to kill; no digests, so each row is one line.
        'alerts: { routes: [{ to: ["irc:#alerts"] }], digest_after: 0s }',
      ].join('\n'),
    );
    let bot = RunningBot.start(['-c', config, 'start'], { cwd: dir });
    await bot.waitFor(/opsbridge is running/);
    await watcher.waitFor(/:opsbridge!\S+ JOIN :?#alerts/);

    // Post until killed: four senders, each alert unique.
    const acknowledged = new Map<number, string>();
    let n = 0;
    let killed = false;
    const senders = Array.from({ length: 4 }, async () => {
      while (!killed) {
        const title = `crash-${n++}`;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/alerts`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify({ title, severity: 'warning', host: 'web01' }),
          });
          if (res.status === 202) acknowledged.set(((await res.json()) as { alerts: Array<{ id: number }> }).alerts[0]!.id, title);
        } catch {
          // The bot died under this request: it was never acknowledged.
        }
      }
    });
    await eventually(() => acknowledged.size >= 300 && deliveredIds().length >= 50, 'alerts posted and some delivered', 30_000);
    bot.child.kill('SIGKILL');
    killed = true;
    await bot.exited;
    await Promise.all(senders);

    // What the killed bot left: rows delivered before the kill are marked so.
    const db = openSqlite(join(dir, 'bot.db'), { readonly: true });
    const rows = await db.all<{ id: number; body: string; delivered_at: string | null }>("SELECT id, body, delivered_at FROM outbox WHERE kind = 'alert'");
    await db.close();
    const alertIdOf = (body: string) => Number(/\(#(\d+)\)/.exec(body)![1]);
    const deliveredBefore = new Set(rows.filter((r) => r.delivered_at).map((r) => alertIdOf(r.body)));
    const pendingAtKill = rows.filter((r) => !r.delivered_at).map((r) => alertIdOf(r.body));
    expect(pendingAtKill.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300)); // lines already on their way reach the watcher
    const seenBefore = deliveredIds();
    const since = watcher.lines.length;

    bot = RunningBot.start(['-c', config, 'start'], { cwd: dir });
    try {
      await bot.waitFor(/opsbridge is running/);
      await eventually(() => new Set(deliveredIds(since)).size >= pendingAtKill.length, 'the rows pending at the kill to be delivered', 60_000);
      await new Promise((r) => setTimeout(r, 500)); // nothing more should come

      const check = openSqlite(join(dir, 'bot.db'), { readonly: true });
      const stored = new Map((await check.all<{ id: number; name: string }>('SELECT id, name FROM alerts')).map((a) => [a.id, a.name]));
      const undelivered = await check.value('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL');
      await check.close();

      // Every 202 is in the store, as posted.
      for (const [id, title] of acknowledged) expect(stored.get(id)).toBe(title);
      expect(undelivered).toBe(0);
      // After the restart: exactly the rows pending at the kill, each once.
      const after = deliveredIds(since);
      expect(after.sort((a, b) => a - b)).toEqual([...pendingAtKill].sort((a, b) => a - b));
      for (const id of after) expect(deliveredBefore.has(id)).toBe(false);
      // Overall, each alert reached the channel; only a line in flight at the kill can show twice.
      const all = [...seenBefore, ...after];
      expect(new Set(all).size).toBe(rows.length);
      expect(all.length - new Set(all).size).toBeLessThanOrEqual(1);
    } finally {
      await bot.stop();
    }
  }, 120_000);
});
