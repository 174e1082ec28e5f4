import { execFile } from 'node:child_process';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startAlertmanager, type Alertmanager } from '../helpers/alertmanager.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/ports.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';

/**
 * Each source end to end through the whole bot: a real Alertmanager posting
 * its webhook with a bearer token, the real `logger` sending syslog over UDP
 * and TCP, and a log file rotated while it is tailed.
 */
const TOKEN = 'sources-token-0123456789';
const run = promisify(execFile);

let bot: TestBot | undefined;
let am: Alertmanager | undefined;
afterEach(async () => {
  await am?.stop();
  await bot?.stop();
  am = bot = undefined;
});

/** Plain text of the messages the bot queued for a channel, oldest first. */
async function queued(t: TestBot, channel: string): Promise<string[]> {
  const rows = await t.bot.core.db.column<string>('SELECT body FROM outbox WHERE channel = ? ORDER BY id', [channel]);
  return rows.map((b) => renderPlain(JSON.parse(b) as RichText));
}

describe('Prometheus Alertmanager', () => {
  it('posts firing and resolved alerts to the bot with its bearer token; the host comes from instance', async () => {
    bot = await startTestBot({
      http: { listen: '127.0.0.1:0', token: TOKEN },
      alerts: { routes: [{ match: { severity: 'critical' }, to: ['irc:#ops'], continue: true }, { to: ['irc:#alerts'] }] },
    });
    await bot.bot.core.services.inventory.import([{ name: 'web01', fqdn: 'web01.example.net', ips: ['10.2.0.11'] }], { actor: 'test', reason: 'seed' });
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${bot.bot.http.port}/api/v1/alerts/alertmanager`, token: TOKEN, groupBy: ['alertname'] });
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const disk = { labels: { alertname: 'DiskFull', instance: 'web01:9100', severity: 'critical' }, annotations: { summary: 'Disk / is 95% full' }, startsAt, generatorURL: 'http://prometheus.example/graph?g0.expr=disk' };
    await am.postAlerts([disk]);
    await eventually(async () => (await queued(bot!, 'irc:#alerts')).length >= 1, 'the firing alert', 30_000);
    expect((await queued(bot, 'irc:#ops'))[0]).toMatch(/^CRITICAL DiskFull on web01 — Disk \/ is 95% full \(#1\) http:\/\/prometheus\.example\/graph/);
    const alert = (await bot.bot.core.services.alertStore.get(1))!;
    expect(alert).toMatchObject({ source: 'alertmanager', status: 'firing', host: 'web01', severity: 'critical' });
    expect(alert.server_id).toBe((await bot.bot.core.services.inventory.get('web01'))!.id);

    await am.postAlerts([{ ...disk, endsAt: new Date().toISOString() }]);
    await eventually(async () => (await queued(bot!, 'irc:#alerts')).length >= 2, 'the resolved alert', 30_000);
    expect((await queued(bot, 'irc:#alerts'))[1]).toMatch(/^RESOLVED \(critical\) DiskFull on web01 after 1m( \d+s)? — Disk \/ is 95% full \(#1\)/);
    expect((await bot.bot.core.services.alertStore.get(1))!.status).toBe('resolved');
  }, 60_000);

  it('is refused without the right token, and the refusal is what Alertmanager logs', async () => {
    bot = await startTestBot({ http: { listen: '127.0.0.1:0', token: TOKEN } });
    const res = await fetch(`http://127.0.0.1:${bot.bot.http.port}/api/v1/alerts/alertmanager`, { method: 'POST', headers: { authorization: 'Bearer wrong-token-0000000000' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(await bot.bot.core.db.value('SELECT COUNT(*) FROM alerts')).toBe(0);
  });
});

describe('syslog from logger', () => {
  async function syslogBot(): Promise<{ udp: number; tcp: number; t: TestBot }> {
    const udp = await freePort();
    const tcp = await freePort();
    const t = await startTestBot({ syslog: { udp: `127.0.0.1:${udp}`, tcp: `127.0.0.1:${tcp}` }, logs: { routes: [{ match: { severity: ['critical', 'error'] }, to: ['irc:#logs'] }], default: [] } });
    bot = t;
    return { udp, tcp, t };
  }
  const lines = (t: TestBot) => t.bot.core.db.all('SELECT source, host, level, message, malformed FROM log_lines ORDER BY id');

  it('stores RFC 5424 over UDP and RFC 3164 over TCP, and routes errors to the channel', async () => {
    const { udp, tcp, t } = await syslogBot();
    await run('logger', ['--server', '127.0.0.1', '--port', String(udp), '--udp', '--rfc5424', '-t', 'nginx', '-p', 'local0.err', 'upstream timed out']);
    await run('logger', ['--server', '127.0.0.1', '--port', String(tcp), '--tcp', '--rfc3164', '-t', 'cron', '-p', 'cron.info', 'job done']);
    await run('logger', ['--server', '127.0.0.1', '--port', String(tcp), '--tcp', '--octet-count', '-t', 'app', '-p', 'user.crit', 'disk gone']);
    await eventually(async () => (await lines(t)).length === 3, 'three syslog lines stored');
    const hostname = (await run('hostname')).stdout.trim();
    expect(await lines(t)).toEqual(
      expect.arrayContaining([
        { source: 'syslog', host: hostname, level: 'err', message: 'nginx: upstream timed out', malformed: 0 },
        { source: 'syslog', host: hostname, level: 'info', message: 'cron: job done', malformed: 0 },
        { source: 'syslog', host: hostname, level: 'crit', message: 'app: disk gone', malformed: 0 },
      ]),
    );
    // Routed by severity: errors and worse to #logs, the rest only stored.
    expect((await queued(t, 'irc:#logs')).sort()).toEqual([`${hostname} CRIT app: disk gone`, `${hostname} ERR nginx: upstream timed out`]);
    const metrics = await (await fetch(`http://127.0.0.1:${t.bot.http.port}/metrics`)).text();
    expect(metrics).toContain('opsbridge_syslog_lines_total{transport="tcp",result="parsed"} 2');
  });

  it('keeps a line that is not syslog as it came, and goes on', async () => {
    const { udp, t } = await syslogBot();
    const { createSocket } = await import('node:dgram');
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.send(Buffer.from('garbage \x00\x01 not syslog'), udp, '127.0.0.1', () => r()));
    s.close();
    await run('logger', ['--server', '127.0.0.1', '--port', String(udp), '--udp', '-t', 'after', 'still working']);
    await eventually(async () => (await lines(t)).length === 2, 'both lines stored');
    const stored = await lines(t);
    expect(stored[0]).toMatchObject({ malformed: 1, host: '127.0.0.1' });
    expect(String(stored[0]!.message)).toContain('garbage');
    expect(stored[1]).toMatchObject({ malformed: 0, message: 'after: still working' });
  });
});

describe('tailed log files', () => {
  it('posts new lines, follows a rename-and-create rotation, and resumes after a restart without repeating', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'opsbridge-tail-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, 'old line before start\n');
    const config = { tail: [{ path: file, to: ['irc:#logs'], host: 'app03', level: 'error', match: '*ERROR*' }] };
    bot = await startTestBot(config, dir);
    appendFileSync(file, 'ERROR one\ninfo chatter\n');
    await eventually(async () => (await queued(bot!, 'irc:#logs')).length === 1, 'the first line');
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'ERROR two, written just before the rotation\n');
    writeFileSync(file, 'ERROR three, in the new file\n');
    await eventually(async () => (await queued(bot!, 'irc:#logs')).length === 3, 'lines from both files', 15_000);
    expect(await queued(bot, 'irc:#logs')).toEqual(['app03 ERROR ERROR one', 'app03 ERROR ERROR two, written just before the rotation', 'app03 ERROR ERROR three, in the new file']);
    // Every line is stored, the ones not posted too; the line from before the start is not.
    const stored = () => bot!.bot.core.db.column("SELECT message FROM log_lines WHERE source = 'tail' ORDER BY id");
    expect(await stored()).toEqual(['ERROR one', 'info chatter', 'ERROR two, written just before the rotation', 'ERROR three, in the new file']);

    await bot.bot.stop();
    appendFileSync(file, 'ERROR four, while the bot was down\n');
    bot = await startTestBot(config, dir);
    await eventually(async () => (await queued(bot!, 'irc:#logs')).length === 4, 'the line written while down');
    expect(await stored()).toHaveLength(4 + 1);
  }, 30_000);
});
