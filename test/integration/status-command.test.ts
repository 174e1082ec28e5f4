import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/chat/render/plain.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { RunningBot, runCli } from '../helpers/cli.js';
import { testCore, type TestCore } from '../helpers/core.js';

/**
 * Who leads (issue 14), on SQLite: `!status` in chat and `opsbridge status`
 * from a shell. On SQLite the one node takes the lease at every start and
 * gives it up when it stops.
 */

const SINCE = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC';

describe('!status', () => {
  let core: TestCore | undefined;
  let bot: TestBot | undefined;
  afterEach(async () => {
    await core?.cleanup();
    await bot?.stop();
    core = bot = undefined;
  });

  it('without a running election: nobody has led yet, then the lease as the store has it', async () => {
    core = await testCore({ node: 'web-x' });
    expect(await core.ask('!status')).toEqual({ ok: true, private: false, text: 'no node has led yet, on SQLite (one node)' });
    const held = await core.cluster.lease.acquire(60_000);
    expect(held).toEqual({ epoch: 1, previousHolder: null });
    // No "this is …": this core runs no election of its own.
    expect((await core.ask('!status')).text).toMatch(new RegExp(`^web-x leads since ${SINCE} \\(epoch 1\\), on SQLite \\(one node\\)$`));
    await core.cluster.lease.release(1);
    expect((await core.ask('!status')).text).toBe("no node leads: web-x's lease (epoch 1) has expired, on SQLite (one node)");
  });

  it('a running bot leads under epoch 1 and says it is that node; a restart raises the epoch', async () => {
    bot = await startTestBot({ node: 'web-a' });
    const ask = async () => {
      const r = await bot!.bot.core.dispatcher.handle({
        platform: 'irc',
        channel: 'irc:#ops',
        user: { id: 'alice', name: 'alice' },
        text: '!status',
        receivedAt: new Date(),
      });
      expect(r?.ok).toBe(true);
      return renderPlain(r!.body);
    };
    expect(await ask()).toMatch(new RegExp(`^web-a leads since ${SINCE} \\(epoch 1\\); this is web-a \\(leader\\), on SQLite \\(one node\\)$`));

    // Same database, same node: it takes its own lease back under a new epoch, not a takeover.
    const dir = bot.dir;
    await bot.bot.stop();
    bot = await startTestBot({ node: 'web-a' }, dir);
    expect(await ask()).toMatch(new RegExp(`^web-a leads since ${SINCE} \\(epoch 2\\); this is web-a \\(leader\\), on SQLite \\(one node\\)$`));
  });
});

describe('opsbridge status', () => {
  let dir = '';
  let running: RunningBot | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) await running.stop();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function install(extra = ''): void {
    dir = mkdtempSync(join(tmpdir(), 'opsbridge-status-'));
    writeFileSync(join(dir, 'opsbridge.yaml'), `database: ./data/bot.db\nnode: web-a\ntimezone: UTC\nhttp:\n  listen: 127.0.0.1:0\nlog:\n  level: warn\n${extra}`);
  }
  const status = () => runCli(['status'], { cwd: dir });

  it('prints the leader and exits 0 while the bot runs; exits 1 once it stopped and gave the lease up', async () => {
    install();
    const before = await status();
    // Read only: no store yet, and none is created by asking.
    expect(before).toEqual({ code: 1, stdout: '', stderr: 'opsbridge: no database at ./data/bot.db: no node has run here\n' });
    expect(existsSync(join(dir, 'data'))).toBe(false);

    running = RunningBot.start(['start'], { cwd: dir });
    await running.waitFor(/opsbridge is running/);
    const up = await status();
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const [leader, lease, ...rest] = up.stdout.split('\n');
    expect(leader).toMatch(new RegExp(`^web-a leads since ${SINCE} \\(epoch 1\\), on SQLite \\(one node\\)$`));
    const ends = /^lease: renewed, ends in (\d+\.\d) s; previous leader: none$/.exec(lease ?? '');
    expect(ends, lease).not.toBeNull();
    expect(Number(ends![1])).toBeGreaterThan(0);
    expect(Number(ends![1])).toBeLessThanOrEqual(6);
    expect(rest).toEqual(['']);

    // The same answer in the bot's own chat, which also knows it is that node.
    running.send('!status');
    await running.waitFor(new RegExp(`\\[console\\] web-a leads since ${SINCE} \\(epoch 1\\); this is web-a \\(leader\\), on SQLite \\(one node\\)`));

    expect(await running.stop()).toBe(0);
    const down = await status();
    expect(down).toEqual({
      code: 1,
      stdout: "no node leads: web-a's lease (epoch 1) has expired, on SQLite (one node)\nlease: expired; previous leader: none\n",
      stderr: '',
    });
  });

  it('a killed bot gives nothing up: its lease is live until it runs out, then status exits 1', async () => {
    install('leadership:\n  lease: 3s\n  renew_every: 500ms\n  stop_sending_after: 2s\n');
    running = RunningBot.start(['start'], { cwd: dir });
    await running.waitFor(/opsbridge is running/);
    running.child.kill('SIGKILL');
    await running.exited;
    const killedAt = Date.now();
    const r = await status();
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^web-a leads since ${SINCE} \\(epoch 1\\)`));
    expect(r.code).toBe(0);
    // Nobody renews it: within one lease it has expired.
    let last = r;
    while (last.code === 0 && Date.now() - killedAt < 10_000) {
      await new Promise((res) => setTimeout(res, 250));
      last = await status();
    }
    expect(last.code).toBe(1);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(last.stdout).toBe("no node leads: web-a's lease (epoch 1) has expired, on SQLite (one node)\nlease: expired; previous leader: none\n");
  }, 30_000);
});
