import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { ZERO_SHA, type Push } from '../../src/domain/git/push.js';
import { testCore, type TestCore } from '../helpers/core.js';

/** The push rules on their own (the hook and webhook tests drive them end to end): quiet, once, and one line per push. */

let core: TestCore;
beforeEach(async () => {
  core = await testCore({
    people: [{ name: 'alice', irc: 'alice' }, { name: 'bob', irc: 'bob' }],
    irc: { host: 'irc.invalid', channels: ['#dev'] },
    git: { repos: [{ name: 'app', default_branch: 'refs/heads/main', channel: 'irc:#dev' }] },
  });
  await core.services.tickets.create({ title: 'login crash', reporter: { name: 'alice', irc: 'alice' }, assignee: { name: 'bob', irc: 'bob' } });
  await core.db.run('DELETE FROM outbox');
});
afterEach(() => core.cleanup());

const sha = (n: number) => n.toString(16).padStart(40, '0').replace(/^0/, 'a');
const push = (p: Partial<Push>): Push => ({ repo: 'app', ref: 'refs/heads/main', before: sha(1000), after: sha(1001), pusher: 'carol', forced: false, commits: [], ...p });
const rows = async () => (await core.db.all<{ channel: string; body: string }>('SELECT channel, body FROM outbox ORDER BY id')).map((r) => ({ channel: r.channel, text: renderPlain(JSON.parse(r.body) as RichText) }));

describe('git pushes', async () => {
  it('ten commits referencing one ticket give its watchers one notice, not ten', async () => {
    const commits = Array.from({ length: 10 }, (_, i) => ({ sha: sha(i + 1), author: 'carol', message: `step ${i + 1} of the fix, refs #1` }));
    const [o] = await core.services.git.ingest([push({ commits, after: sha(10) })]);
    expect(o).toMatchObject({ linked: [1], closed: [] });
    const notices = (await rows()).filter((r) => r.channel !== 'irc:#dev');
    expect(notices).toEqual([
      { channel: 'irc:account:alice', text: '#1 carol pushed 10 commits in app/main, first a000000: step 1 of the fix, refs #1 — login crash — open → bob' },
      { channel: 'irc:account:bob', text: '#1 carol pushed 10 commits in app/main, first a000000: step 1 of the fix, refs #1 — login crash — open → bob' },
    ]);
    expect((await core.services.tickets.timeline(1, 100)).filter((e) => e.kind === 'commit')).toHaveLength(10);
  });

  it('a push of many refs at once is one line in the channel', async () => {
    const tags = Array.from({ length: 6 }, (_, i) => push({ ref: `refs/tags/v1.${i}`, before: ZERO_SHA, after: sha(50 + i) }));
    const main = push({ commits: [{ sha: sha(2), author: 'carol', message: 'fix login crash (fixes #1)' }], after: sha(2) });
    await core.services.git.ingest([main, ...tags]);
    expect((await rows()).filter((r) => r.channel === 'irc:#dev')).toEqual([
      { channel: 'irc:#dev', text: '[app] carol pushed 7 refs: main (1 commit), v1.0 (new tag), v1.1 (new tag) …and 4 more → #1 closed' },
    ]);
  });

  it('a default_branch written as refs/heads/main still closes on main', async () => {
    const [o] = await core.services.git.ingest([push({ commits: [{ sha: sha(3), author: 'carol', message: 'fixes #1' }], after: sha(3) })]);
    expect(o!.closed).toEqual([1]);
  });

  it('a resolved ticket is closed when its fix reaches the default branch', async () => {
    await core.services.tickets.setStatus(1, 'resolved', 'bob', 'works on staging');
    await core.services.git.ingest([push({ commits: [{ sha: sha(4), author: 'carol', message: 'fixes #1' }], after: sha(4) })]);
    expect((await core.services.tickets.get(1))!.status).toBe('closed');
  });

  it('a branch deleted by webhook (no commit list) notes the ticket its old head referenced', async () => {
    await core.services.git.ingest([push({ ref: 'refs/heads/spike', before: ZERO_SHA, after: sha(5), commits: [{ sha: sha(5), author: 'carol', message: 'try a new session store, refs #1' }] })]);
    const [o] = await core.services.git.ingest([push({ ref: 'refs/heads/spike', before: sha(5), after: ZERO_SHA })]);
    expect(o).toMatchObject({ deleted: true, noted: [1] });
    expect((await core.services.tickets.timeline(1, 1))[0]).toMatchObject({ kind: 'force_push', sha: sha(5), body: `${sha(5).slice(0, 7)} was on app/spike, deleted by carol` });
  });

  it('a pusher or author name with a line break stays on one line', async () => {
    await core.services.git.ingest([push({ pusher: 'carol\r\nPRIVMSG #ops :hi', commits: [{ sha: sha(6), author: 'eve\nx', message: 'refs #1' }], after: sha(6) })]);
    const line = (await rows()).find((r) => r.channel === 'irc:#dev')!.text;
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toMatch(/^\[app\/main\] carol PRIVMSG #ops :hi pushed 1 commit/);
    expect((await core.services.tickets.timeline(1, 1))[0]!.body).toBe('eve x: refs #1 (app/main)');
  });

  it('the same ref update twice is done once, and a failing push in a batch stores none of the batch', async () => {
    const p = push({ commits: [{ sha: sha(7), author: 'carol', message: 'refs #1' }], after: sha(7) });
    await core.services.git.ingest([p]);
    const before = (await rows()).length;
    expect((await core.services.git.ingest([p]))[0]!.duplicate).toBe(true);
    expect(await rows()).toHaveLength(before);
    const pushes = () => core.db.value('SELECT COUNT(*) FROM git_pushes');
    const count = await pushes();
    await expect(core.services.git.ingest([push({ after: sha(8) }), push({ repo: 'nope' })])).rejects.toThrow(/unknown repository nope/);
    expect(await pushes()).toBe(count);
  });
});
