import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CSV } from '../helpers/core.js';
import { RunningBot, runCli } from '../helpers/cli.js';

/**
 * `opsbridge start` as a newcomer runs it: console chat on stdin/stdout and
 * the HTTP API, here on a free port.
 */
let dir: string;
let bot: RunningBot;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-bot-'));
  writeFileSync(join(dir, 'opsbridge.yaml'), 'http:\n  listen: 127.0.0.1:0\ntimezone: UTC\n');
  writeFileSync(join(dir, 's.csv'), SAMPLE_CSV);
  await runCli(['servers', 'import', 's.csv'], { cwd: dir });
  bot = RunningBot.start(['start'], { cwd: dir });
  const m = await bot.waitFor(/HTTP API (http:\/\/127\.0\.0\.1:\d+)/);
  base = m[1]!;
});

afterAll(async () => {
  const code = await bot.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('the console chat', () => {
  it('answers !help and !server, prefixed with the channel', async () => {
    bot.send('!help');
    await bot.waitFor(/\[console\] - !help — List the commands/);
    bot.send('!server web01');
    await bot.waitFor(/\[console\] web01 · working · roles blog:app/);
  });

  it('takes commands without the prefix too, as the local admin', async () => {
    bot.send('whoami');
    await bot.waitFor(/\[console\] \S+ is console; role: admin/);
  });

  it('answers in the order commands were typed', async () => {
    bot.send('!server db12');
    bot.send('!nope1');
    bot.send('!server db13');
    const m = await bot.waitFor(/\[console\] db12 ·[^\n]*\n\[console\] unknown command 'nope1'[^\n]*\n\[console\] db13 ·/);
    expect(m).not.toBeNull();
  });

  it('prints what another process queued for any channel (opsbridge run → outbox → running bot)', async () => {
    const r = await runCli(['run', 'say irc:#ops "from a cron job"'], { cwd: dir });
    expect(r.stdout.trim()).toBe('queued for irc:#ops');
    await bot.waitFor(/\[irc:#ops\] from a cron job/);
  });

  it('survives garbage input', async () => {
    bot.send('!server "unterminated');
    await bot.waitFor(/\[console\] unterminated double quote/);
    bot.send('\u0000\u001b[2J!!!');
    bot.send('!server ' + 'x'.repeat(5000));
    await bot.waitFor(/no server 'x{100,}/);
    bot.send('!servers');
    await bot.waitFor(/\[console\] 5 servers: /);
  });
});

describe('the HTTP API', () => {
  it('answers /healthz', async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', outbox: 0, chat: { console: { connected: true, queued: 0 } } });
    // One node on SQLite: it leads, under the first epoch, and is sending.
    expect(body.node).toMatchObject({ role: 'leader', epoch: 1, sending: true });
    expect(body.leader).toMatchObject({ epoch: 1, live: true, previous: null });
    expect((body.node as { node: string }).node).toBe((body.leader as { node: string }).node);
  });

  it('lists servers with the same filters as !servers', async () => {
    const r = await fetch(`${base}/api/v1/servers?role=db:*&limit=1`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { total: number; servers: { name: string; ips: string[] }[] };
    expect(body.total).toBe(2);
    expect(body.servers.map((s) => s.name)).toEqual(['db12']);
    expect(body.servers[0]!.ips).toEqual(['10.3.0.12']);
  });

  it('returns one server with its history, or 404 with suggestions', async () => {
    await runCli(['run', 'server set web02 status=maintenance psu swap'], { cwd: dir });
    const r = await fetch(`${base}/api/v1/servers/web02`);
    const body = (await r.json()) as { server: { name: string; status: string }; history: unknown[] };
    expect(body.server).toMatchObject({ name: 'web02', status: 'maintenance' });
    expect(body.history).toEqual([
      { at: expect.any(String), actor: 'console', from_status: 'standby', to_status: 'maintenance', reason: 'psu swap', maintenance_id: null },
    ]);
    const miss = await fetch(`${base}/api/v1/servers/web1`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({ error: "no server 'web1'", suggestions: ['web01', 'web10'] });
  });

  it('answers bad requests with 400 naming the parameter, and unknown routes with 404', async () => {
    const cases: [string, number, unknown][] = [
      ['/api/v1/servers?colour=red', 400, { field: 'colour' }],
      ['/api/v1/servers?limit=abc', 400, { field: 'limit' }],
      ['/api/v1/servers?limit=100000', 400, { field: 'limit' }],
      ['/api/v1/servers?status=exploded', 400, { field: 'status' }],
      ['/api/v1/servers/%E0%A4%A', 400, {}],
      ['/api/v1/nothing', 404, {}],
    ];
    for (const [path, status, fields] of cases) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(status);
      const body = (await r.json()) as { error: string };
      expect(typeof body.error).toBe('string');
      expect(body).toMatchObject(fields as object);
    }
    const post = await fetch(`${base}/api/v1/servers`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
  });
});
