import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningBot, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

/**
 * `opsbridge send` and `opsbridge alert` against a running bot on its
 * embedded console chat, with the token the bot generated itself (no
 * http.token in the config), and `opsbridge routes test`.
 */
let dir: string;
let bot: RunningBot;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-cli-alerts-'));
  port = await freePort();
  writeFileSync(join(dir, 'opsbridge.yaml'), `http: { listen: "127.0.0.1:${port}" }\nlog: { level: warn }\n`);
  bot = RunningBot.start(['start'], { cwd: dir });
  await bot.waitFor(/opsbridge is running/);
});

afterAll(async () => {
  await bot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('opsbridge send and alert', () => {
  it('the bot keeps its generated token next to the database, readable only by its owner', () => {
    const file = join(dir, 'data', 'http-token');
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[\w-]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(bot.stdout + bot.stderr).not.toContain(readFileSync(file, 'utf8').trim());
  });

  it('send posts a message to a channel through the running bot', async () => {
    const r = await runCli(['send', '--channel', 'console', 'deploy', 'of', 'app', 'v2', 'starting'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^queued for console \(#\d+\)\n$/);
    await bot.waitFor(/\[console\] deploy of app v2 starting/);
  });

  it('alert raises and resolves an alert', async () => {
    const raised = await runCli(['alert', '--severity', 'critical', '--host', 'web01', '--text', 'disk / at 97%', 'Disk', 'full'], { cwd: dir });
    expect(raised.stdout).toMatch(/^alert #(\d+): opened\n$/);
    await bot.waitFor(/\[console\] CRITICAL Disk full on web01 — disk \/ at 97% \(#\d+\)/);
    const resolved = await runCli(['alert', '--severity', 'critical', '--host', 'web01', '--resolved', 'Disk', 'full'], { cwd: dir });
    expect(resolved.stdout).toMatch(/^alert #\d+: resolved\n$/);
    await bot.waitFor(/\[console\] RESOLVED \(critical\) Disk full on web01 after/);
  });

  it('says clearly what is wrong: a bad channel, a bad severity, a wrong token, no bot running', async () => {
    const badChannel = await runCli(['send', '--channel', '#ops', 'hi'], { cwd: dir });
    expect(badChannel.code).toBe(1);
    expect(badChannel.stderr).toMatch(/the bot refused: 400 channel: expected a channel address/);
    const badSeverity = await runCli(['alert', '--severity', 'loud', 'x'], { cwd: dir });
    expect(badSeverity.stderr).toMatch(/400 severity: expected critical, error, warning or info/);
    const badToken = await runCli(['send', '--token', 'not-the-token-at-all', '--channel', 'console', 'hi'], { cwd: dir });
    expect(badToken.stderr).toMatch(/401 invalid bearer token/);
    const nobody = await runCli(['send', '--url', `http://127.0.0.1:${await freePort()}`, '--channel', 'console', 'hi'], { cwd: dir });
    expect(nobody.stderr).toMatch(/cannot reach the bot at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\?/);
  });
});

describe('opsbridge routes test', () => {
  it('shows where each alert of a sample payload would go, and which rule sent it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'opsbridge-routes-'));
    try {
      writeFileSync(
        join(d, 'opsbridge.yaml'),
        [
          'alerts:',
          '  routes:',
          '    - match: { severity: critical }',
          '      to: ["irc:#ops", "slack:#incidents"]',
          '      continue: true',
          '    - match: { host: "db*" }',
          '      to: ["irc:#dba"]',
          '  default: ["irc:#alerts"]',
        ].join('\n'),
      );
      const fixture = join(import.meta.dirname, '..', 'fixtures', 'alerts', 'alertmanager-firing.json');
      const r = await runCli(['routes', 'test', fixture], { cwd: d });
      expect(r.stderr).toBe('');
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe('payload: alertmanager');
      // Rule 1 continues, but no later rule matches web01: no default either.
      expect(lines).toContain('firing critical DiskFull on web01 → irc:#ops, slack:#incidents  [rule 1]');
      expect(lines.some((l) => /^firing warning HighLoad on db1 → irc:#dba {2}\[rule 2\]$/.test(l))).toBe(true);

      writeFileSync(join(d, 'bad.json'), '{"version":"4","alerts":[{"status":"burning","labels":{}}]}');
      const bad = await runCli(['routes', 'test', join(d, 'bad.json')], { cwd: d });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/not a valid alertmanager payload: alerts\.0\.status: expected firing or resolved/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
