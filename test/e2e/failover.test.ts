import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/bot.js';
import { RunningBot } from '../helpers/cli.js';
import { connectRawClient, parseIrcLine, type RawIrcClient } from '../helpers/irc-network.js';
import { startNgircd, type Ngircd } from '../helpers/ngircd.js';
import { freePort } from '../helpers/ports.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';

/**
 * A redundant pair, end to end: two `opsbridge start` processes on one real
 * PostgreSQL and one ngircd. Alerts are posted round-robin to both; the
 * leader is killed (SIGKILL) or frozen (SIGSTOP past its lease) halfway.
 * Every accepted alert must be stored and reach the channel, a duplicate
 * only for a line that was on the wire, and the standby must take over.
 */
const TOKEN = 'failover-token-0123456789';

let pgServer: Postgres;
let irc: Ngircd;
let watcher: RawIrcClient;
let dir: string;

beforeAll(async () => {
  [pgServer, irc] = await Promise.all([startPostgres(), startNgircd({ pingTimeout: 120 })]);
  watcher = await connectRawClient(irc.port, 'watcher');
  watcher.send('JOIN #alerts');
  await watcher.waitFor(/JOIN :?#alerts/);
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-failover-'));
}, 60_000);

afterAll(async () => {
  await watcher?.close();
  await irc?.stop();
  await pgServer?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Node {
  name: string;
  port: number;
  bot: RunningBot;
}

/** The bot's PRIVMSGs to #alerts since watcher line `since`, with the ident (`~web-a`) that tells the nodes apart. */
function botLines(since = 0): { user: string; text: string }[] {
  return watcher.lines
    .slice(since)
    .map(parseIrcLine)
    .filter((l) => l.command === 'PRIVMSG' && l.nick?.startsWith('opsbridge') && l.params[0] === '#alerts')
    .map((l) => ({ user: (/!~?([^@]+)@/.exec(l.prefix)?.[1] ?? ''), text: l.params[1]! }));
}
const alertIds = (lines: { text: string }[]) => lines.map((l) => Number(/\(#(\d+)\)/.exec(l.text)?.[1])).filter((n) => n > 0);

async function startPair(database: string): Promise<[Node, Node]> {
  const start = async (name: string): Promise<Node> => {
    const port = await freePort();
    const config = join(dir, `${name}.yaml`);
    writeFileSync(
      config,
      [
        `database: ${database}`,
        `node: ${name}`,
        'log: { level: info }',
        `http: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }`,
        `irc: { host: 127.0.0.1, port: ${irc.port}, tls: false, nick: opsbridge, username: ${name}, channels: ["#alerts"], flood: { burst: 5, rate: 200 } }`,
        // No digests: each alert is one line, so every one can be found in the channel.
        'alerts: { routes: [{ to: ["irc:#alerts"] }], digest_after: 0s }',
        'leadership: { announce: ["irc:#alerts"] }',
      ].join('\n'),
    );
    const bot = RunningBot.start(['-c', config, 'start'], { cwd: dir });
    await bot.waitFor(/opsbridge is running/, 20_000);
    return { name, port, bot };
  };
  const a = await start('web-a');
  await watcher.waitFor(/:opsbridge!~?web-a@\S+ JOIN :?#alerts/, 15_000);
  const b = await start('web-b');
  return [a, b];
}

/** Posts `count` unique alerts, alternating nodes; a node that does not answer gets its alert posted to the other. */
async function postAlerts(nodes: Node[], count: number, prefix: string, onAccepted: (n: number) => void = () => {}): Promise<Map<number, string>> {
  const accepted = new Map<number, string>();
  let next = 0;
  const post = async (node: Node, title: string): Promise<number | null> => {
    try {
      const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ title, severity: 'warning', host: 'web01' }),
      });
      if (res.status !== 202) return null;
      return ((await res.json()) as { alerts: Array<{ id: number }> }).alerts[0]!.id;
    } catch {
      return null; // the node is gone: not accepted
    }
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const title = `${prefix}-${i}`;
        const first = nodes[i % nodes.length]!;
        const id = (await post(first, title)) ?? (await post(nodes[(i + 1) % nodes.length]!, title));
        if (id !== null) {
          accepted.set(id, title);
          onAccepted(accepted.size);
        }
      }
    }),
  );
  return accepted;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('a redundant pair on PostgreSQL', () => {
  it('kill -9 of the leader halfway through 5,000 alerts: the standby takes over, nothing is lost, at most the in-flight line twice', async () => {
    const url = await pgServer.createDatabase();
    const since = watcher.lines.length;
    const [a, b] = await startPair(url);
    let killedAt = 0;
    const accepted = await postAlerts([a, b], 5_000, 'kill', (n) => {
      if (n === 2_500 && !killedAt) {
        a.bot.child.kill('SIGKILL');
        killedAt = Date.now();
      }
    });
    try {
      expect(accepted.size).toBe(5_000);
      await eventually(() => watcher.lines.some((l) => /PRIVMSG #alerts :opsbridge on web-b took over from web-a \(epoch \d+\)/.test(l)), 'the takeover message', 30_000);
      const firstFromB = Date.now();
      expect(firstFromB - killedAt).toBeLessThan(15_000);

      await eventually(async () => {
        const rows = await query<{ n: string }>(url, 'SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL');
        return Number(rows[0]!.n) === 0;
      }, 'every outbox row delivered', 90_000);
      await new Promise((r) => setTimeout(r, 500));

      const stored = new Map((await query<{ id: string; name: string }>(url, 'SELECT id, name FROM alerts')).map((r) => [Number(r.id), r.name]));
      for (const [id, title] of accepted) expect(stored.get(id)).toBe(title);
      const seen = alertIds(botLines(since));
      for (const id of accepted.keys()) expect(seen).toContain(id);
      const duplicates = seen.length - new Set(seen).size;
      // Only what was on the wire when web-a died: one line per channel, each counted as a resend.
      expect(duplicates).toBeLessThanOrEqual(1);
      const metrics = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
      expect(metrics).toMatch(/opsbridge_leader 1/);
      expect(metrics).toMatch(/opsbridge_failovers_total 1/);
      const resent = Number(/opsbridge_messages_resent_total\{channel="irc:#alerts"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      expect(duplicates).toBeLessThanOrEqual(resent);

      const health = (await (await fetch(`http://127.0.0.1:${b.port}/healthz`)).json()) as { leader: { node: string; epoch: number } };
      expect(health.leader).toMatchObject({ node: 'web-b' });
    } finally {
      await b.bot.stop();
      await a.bot.exited;
    }
  }, 180_000);

  it('SIGSTOP past the lease, then SIGCONT: the old leader finds its epoch stale and sends nothing more', async () => {
    const url = await pgServer.createDatabase();
    const since = watcher.lines.length;
    const [a, b] = await startPair(url);
    try {
      await postAlerts([a, b], 50, 'before');
      await eventually(() => alertIds(botLines(since)).length >= 50, 'the first alerts delivered by web-a', 30_000);
      a.bot.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await eventually(() => watcher.lines.some((l) => /took over from web-a/.test(l)), 'web-b to take over', 30_000);
      expect(Date.now() - stoppedAt).toBeLessThan(15_000);
      // web-b now holds the lease and the channel; web-a is still connected to IRC, frozen.
      const more = await postAlerts([b], 50, 'during');
      await eventually(() => alertIds(botLines(since)).filter((id) => more.has(id)).length >= 50, 'web-b to deliver', 30_000);
      const resumedAt = watcher.lines.length;
      a.bot.child.kill('SIGCONT');
      // web-a renews, finds another holder, and drops IRC: its QUIT frees the nick for web-b.
      await eventually(() => watcher.lines.slice(resumedAt).some((l) => /^:opsbridge!~?web-a@\S+ QUIT/.test(l)), 'web-a to leave IRC', 20_000);
      const later = await postAlerts([a, b], 50, 'after');
      await eventually(() => alertIds(botLines(resumedAt)).filter((id) => later.has(id)).length >= 50, 'the last alerts delivered', 30_000);
      expect(botLines(resumedAt).filter((l) => l.user === 'web-a')).toEqual([]);
      const health = (await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()) as { node: { role: string } };
      expect(health.node.role).toBe('standby');
    } catch (err) {
      // What each node said about the lease: the first thing to read when this fails.
      throw new Error(`${(err as Error).message}\n--- web-a stderr:\n${a.bot.stderr.slice(-4000)}\n--- web-b stderr:\n${b.bot.stderr.slice(-4000)}`);
    } finally {
      a.bot.child.kill('SIGCONT');
      await a.bot.stop();
      await b.bot.stop();
    }
  }, 180_000);
});
