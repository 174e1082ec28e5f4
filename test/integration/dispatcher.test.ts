import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { reply, UsageError, type Command } from '../../src/chat/command.js';
import { Dispatcher } from '../../src/chat/dispatcher.js';
import { Permissions } from '../../src/chat/permissions.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { text } from '../../src/chat/rich-text.js';
import { fixedClock } from '../../src/clock.js';
import { UserError } from '../../src/errors.js';
import { testCore } from '../helpers/core.js';

/** A dispatcher over toy commands, with a log that can be read back. */
function toyDispatcher(prefix = '!') {
  const logged: Record<string, unknown>[] = [];
  const log = pino({ level: 'error' }, { write: (s: string) => void logged.push(JSON.parse(s) as Record<string, unknown>) });
  const seen: unknown[] = [];
  const commands: Command<null>[] = [
    {
      name: 'echo',
      summary: 'Echo the arguments.',
      usage: 'WORDS…',
      examples: ['echo hi'],
      role: 'viewer',
      options: { at: 'a time' },
      flags: { loud: 'shout' },
      run(_ctx, args) {
        seen.push(args);
        return reply(text(args.positional.join('|')));
      },
    },
    { name: 'boom', summary: 'Throws.', usage: '', examples: [], role: 'viewer', run: () => { throw new Error('database on fire'); } },
    { name: 'oops', summary: 'User error.', usage: '', examples: [], role: 'viewer', run: () => { throw new UserError('you typed it wrong'); } },
    { name: 'slow', summary: 'Async throw.', usage: '', examples: [], role: 'viewer', run: async () => { await new Promise((r) => setTimeout(r, 1)); throw new TypeError('late'); } },
    { name: 'nuke', summary: 'Admin only.', usage: '', examples: [], role: 'admin', run: () => reply(text('done')) },
    {
      name: 'lamp',
      summary: 'Usage errors.',
      usage: 'ID [--on]',
      examples: ['lamp', 'lamp 42'],
      role: 'viewer',
      run(_ctx, args) {
        if (args.positional[0] === 'x') throw new UsageError("'x' is not a lamp");
        throw new UsageError(args.positional.length === 0 ? undefined : 'which lamp?', { subcommands: args.positional[0] === 'all' });
      },
      subcommands: {
        dim: { summary: 'Dim.', usage: 'ID LEVEL', examples: ['lamp dim 42 low', 'lamp dim 42 off'], role: 'viewer', run: () => { throw new UsageError('how dim?', { hint: '(!lamp lists them)' }); } },
        off: { summary: 'Off.', usage: 'ID', examples: ['lamp off 42', 'lamp off all'], role: 'viewer', run: () => { throw new UsageError(undefined, { example: 'all' }); } },
      },
    },
  ];
  const d = new Dispatcher<null>({
    commands,
    services: null,
    permissions: new Permissions({ default: 'viewer', admin: ['irc:account:alice'], operator: [], viewer: [] }),
    prefix,
    clock: fixedClock('2026-01-01T00:00:00Z'),
    log,
    post: async () => {},
  });
  const say = async (t: string, opts: { identity?: string; direct?: boolean } = {}) => {
    const r = await d.handle({
      platform: 'irc',
      channel: 'irc:#ops',
      user: { id: 'alice', name: 'alice', ...(opts.identity && { identity: opts.identity }) },
      text: t,
      receivedAt: new Date(),
      ...(opts.direct && { direct: true }),
    });
    return r && { ok: r.ok, text: renderPlain(r.body) };
  };
  return { d, say, logged, seen };
}

describe('finding the command in a message', () => {
  it('ignores chat that is not for the bot', async () => {
    const { say } = toyDispatcher();
    expect(await say('hello everyone')).toBeNull();
    expect(await say('!!!')).toBeNull();
    expect(await say('! echo')).toBeNull();
    expect(await say('opsbridgefan: echo')).toBeNull();
  });

  it('takes the prefix, the bot addressed by name, and private messages', async () => {
    const { say, d } = toyDispatcher();
    expect(await say('!echo a b')).toEqual({ ok: true, text: 'a|b' });
    expect(await say('opsbridge: echo a')).toEqual({ ok: true, text: 'a' });
    expect(await say('OpsBridge, echo a')).toEqual({ ok: true, text: 'a' });
    expect(await say('@opsbridge: echo a')).toEqual({ ok: true, text: 'a' });
    expect(await say('echo a', { direct: true })).toEqual({ ok: true, text: 'a' });
    d.addName('opsbridge_');
    expect(await say('opsbridge_: echo z')).toEqual({ ok: true, text: 'z' });
  });

  it('uses a configured prefix', async () => {
    const { say } = toyDispatcher('.');
    expect(await say('!echo a')).toBeNull();
    expect(await say('.echo a')).toEqual({ ok: true, text: 'a' });
  });

  it('answers the bot addressed with nothing to do', async () => {
    const { say } = toyDispatcher();
    expect(await say('opsbridge:')).toEqual({ ok: false, text: 'yes? Try !help' });
  });
});

describe('parsing arguments', () => {
  it('passes quoted words, options and flags to the command', async () => {
    const { say, seen } = toyDispatcher();
    await say(`!echo "two words" 'it''s' at="2026-12-01 02:00" --loud`);
    expect(seen[0]).toMatchObject({ positional: ['two words', 'its'], options: { at: '2026-12-01 02:00' }, flags: new Set(['loud']) });
  });

  it('answers an unterminated quote with what to do', async () => {
    const { say } = toyDispatcher();
    expect(await say('!echo "oops')).toEqual({ ok: false, text: 'unterminated double quote — close it or escape it with \\"' });
  });

  it('suggests the closest command for a typo', async () => {
    const { say } = toyDispatcher();
    expect(await say('!ecoh hi')).toEqual({ ok: false, text: "unknown command 'ecoh' — did you mean 'echo'? (!help lists commands)" });
    expect(await say('!zzzzzz')).toEqual({ ok: false, text: "unknown command 'zzzzzz' (!help lists commands)" });
  });

  it('rejects undeclared options and flags', async () => {
    const { say } = toyDispatcher();
    expect((await say('!echo tt=1'))!.text).toBe("'echo' has no option 'tt' — did you mean 'at'? (!help echo)");
    expect((await say('!echo --lod'))!.text).toBe("'echo' has no flag --lod — did you mean --loud? (!help echo)");
  });
});

describe('a command that fails', () => {
  it('answers a user error with its message', async () => {
    const { say, logged } = toyDispatcher();
    expect(await say('!oops')).toEqual({ ok: false, text: 'you typed it wrong' });
    expect(logged).toHaveLength(0);
  });

  it('answers a crash with an error id that is in the log with the stack, and keeps working', async () => {
    const { say, logged } = toyDispatcher();
    for (const cmd of ['!boom', '!slow']) {
      const r = await say(cmd);
      const id = /error id ([0-9a-f]{8})/.exec(r!.text)?.[1];
      expect(r!.ok).toBe(false);
      expect(r!.text).not.toMatch(/fire|late/);
      expect(id).toBeDefined();
      const entry = logged.find((l) => l.errorId === id) as { err: { stack: string } };
      expect(entry.err.stack).toMatch(/database on fire|late/);
    }
    expect(await say('!echo still here')).toEqual({ ok: true, text: 'still|here' });
  });
});

describe('a usage error', () => {
  it("is answered with the problem, the action's declared usage and an example that has arguments", async () => {
    const { say } = toyDispatcher();
    expect(await say('!lamp')).toEqual({ ok: false, text: 'usage: !lamp ID [--on] (e.g. !lamp 42)' });
    expect(await say('!lamp 1 2')).toEqual({ ok: false, text: 'which lamp? usage: !lamp ID [--on] (e.g. !lamp 42)' });
    expect(await say('!lamp x')).toEqual({ ok: false, text: "'x' is not a lamp — usage: !lamp ID [--on] (e.g. !lamp 42)" });
    expect(await say('!lamp all')).toEqual({ ok: false, text: 'which lamp? usage: !lamp ID [--on], or !lamp dim|off … (e.g. !lamp 42)' });
  });

  it("of a subcommand shows the subcommand's usage, a hint instead of the example, or the example asked for", async () => {
    const { say } = toyDispatcher();
    expect(await say('!lamp dim 1')).toEqual({ ok: false, text: 'how dim? usage: !lamp dim ID LEVEL (!lamp lists them)' });
    expect(await say('!lamp off')).toEqual({ ok: false, text: 'usage: !lamp off ID (e.g. !lamp off all)' });
  });
});

describe('roles', () => {
  it('says which role a command needs', async () => {
    const { say } = toyDispatcher();
    expect(await say('!nuke', { identity: 'irc:account:bob' })).toEqual({ ok: false, text: "'nuke' needs the admin role; you are viewer" });
    expect(await say('!nuke', { identity: 'irc:account:alice' })).toEqual({ ok: true, text: 'done' });
  });

  it('gives the configured default role to everybody else', async () => {
    const core = await testCore({ roles: { default: 'operator' } });
    try {
      expect((await core.ask('!whoami', { name: 'dave' })).text).toBe('dave is not identified (not logged in to an account); role: operator');
    } finally {
      await core.cleanup();
    }
  });
});

describe('!help', () => {
  it('lists every command with its summary, from the declarations', async () => {
    const core = await testCore();
    try {
      const r = await core.ask('!help');
      for (const c of ['help', 'server', 'servers', 'say', 'whoami']) expect(r.text).toContain(`!${c} — `);
      expect(r.text).toContain('- !say — Post a message to a channel, as the bot. (operator)');
      expect(r.text.split('\n').at(-1)).toBe('!help COMMAND shows usage and examples.');
    } finally {
      await core.cleanup();
    }
  });

  it('shows usage, subcommands, options and examples of one command', async () => {
    const core = await testCore();
    try {
      const r = await core.ask('!help server');
      expect(r.text).toContain('!server (also !host) — Look up a host by name, FQDN, IP, CIDR range or glob: its details, firing alerts, maintenance and open tickets.');
      expect(r.text).toContain("- !server set NAME status=STATUS [reason…] — Change a host's status and record why in its history. (operator)");
      expect(r.text).toContain('e.g. !server web01 · !server 10.2.0.15');
      expect((await core.ask('!help srver')).text).toBe("no command 'srver' — did you mean 'server'? (!help lists commands)");
      expect((await core.ask('!help host')).text).toContain('!server (also !host)');
    } finally {
      await core.cleanup();
    }
  });
});

describe('!say', () => {
  it('puts the message in the outbox for the channel', async () => {
    const core = await testCore({ roles: { operator: ['irc:account:bob'] } });
    try {
      const r = await core.ask('!say irc:#ops "db12 failover in 5 minutes"', { identity: 'irc:account:bob' });
      expect(r.text).toBe('queued for irc:#ops');
      const pending = await core.outbox.pending('irc:#ops', 10);
      expect(pending.map((p) => renderPlain(p.body))).toEqual(['db12 failover in 5 minutes']);
      expect((await core.ask('!say nowhere hi', { identity: 'irc:account:bob' })).text).toMatch(/^'nowhere' is not a channel address/);
      expect((await core.ask('!say irc:#ops', { identity: 'irc:account:bob' })).text).toMatch(/^usage: !say CHANNEL TEXT/);
      expect((await core.ask('!say irc:#ops hi')).ok).toBe(false);
      expect(await core.outbox.pendingCount()).toBe(1);
    } finally {
      await core.cleanup();
    }
  });
});

describe('a prefix for one platform', () => {
  it('answers `.` on IRC when irc.prefix says so, and `!` elsewhere', async () => {
    const core = await testCore({ irc: { host: 'irc.example.net', prefix: '.' } });
    try {
      expect((await core.ask('.whoami', { channel: 'irc:#ops' })).text).toMatch(/role: viewer/);
      expect(await core.chat('!whoami', { channel: 'irc:#ops' })).toBeNull();
      expect((await core.ask('!whoami', { channel: 'console' })).text).toMatch(/role: viewer/);
      expect((await core.ask('.srever', { channel: 'irc:#ops' })).text).toBe("unknown command 'srever' — did you mean 'server'? (.help lists commands)");
    } finally {
      await core.cleanup();
    }
  });
});
