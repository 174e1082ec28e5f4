import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZERO_SHA, type Push } from '../../src/domain/git/push.js';
import { UserError } from '../../src/errors.js';
import { collectPushes } from '../../src/ingest/git-hook/collect.js';
import { hermeticGit } from '../helpers/git.js';

/**
 * collectPushes against real git: a bare repository whose post-receive hook
 * records its stdin, a clone that commits and pushes, then collectPushes on
 * the recorded lines (the state after the push is exactly post-receive's).
 */

// collectPushes runs git with this process's environment: the helper keeps the host's config out of it.
const hermetic = hermeticGit('opsbridge-git-hook-');

let fixtures = 0;

/** A bare "server" repository with a recording post-receive hook, and a working clone of it. */
class Fixture {
  readonly bare: string;
  readonly work: string;
  private readonly log: string;
  private seen = 0;

  constructor(opts: { objectFormat?: 'sha1' | 'sha256' } = {}) {
    const dir = join(hermetic.root(), `repo${++fixtures}`);
    mkdirSync(dir);
    this.bare = join(dir, 'server.git');
    this.work = join(dir, 'work');
    this.log = join(dir, 'post-receive.log');
    writeFileSync(this.log, '');
    const format = opts.objectFormat ? [`--object-format=${opts.objectFormat}`] : [];
    git(dir, ['init', '-q', '--bare', '-b', 'main', ...format, this.bare]);
    const hook = join(this.bare, 'hooks', 'post-receive');
    writeFileSync(hook, `#!/bin/sh\ncat >> '${this.log}'\n`);
    chmodSync(hook, 0o755);
    git(dir, ['init', '-q', '-b', 'main', ...format, this.work]);
    git(this.work, ['remote', 'add', 'origin', this.bare]);
  }

  git(args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): string {
    return git(this.work, args, opts);
  }

  /** Commits (nothing but a message, exactly as given) and returns the new commit's id. */
  commit(message: string | Buffer, opts: { env?: Record<string, string>; config?: string[] } = {}): string {
    const config = (opts.config ?? []).flatMap((c) => ['-c', c]);
    this.git([...config, 'commit', '-q', '--allow-empty', '--cleanup=verbatim', '-F', '-'], { input: message, env: opts.env });
    return this.head();
  }

  commits(n: number, prefix: string): string[] {
    return Array.from({ length: n }, (_, i) => this.commit(`${prefix} ${i + 1}`));
  }

  head(rev = 'HEAD'): string {
    return this.git(['rev-parse', rev]);
  }

  /** Pushes from the clone and returns what the server's post-receive hook read on stdin. */
  push(...args: string[]): string {
    this.git(['push', '-q', 'origin', ...args]);
    const all = readFileSync(this.log, 'utf8');
    const input = all.slice(this.seen);
    this.seen = all.length;
    expect(input).not.toBe('');
    return input;
  }

  collect(input: string, extra: { maxMessageBytes?: number; gitDir?: string } = {}): Promise<Push[]> {
    return collectPushes({ gitDir: this.bare, input, repo: 'app', defaultBranch: 'main', pusher: 'alice', ...extra });
  }

  /** Pushes, collects, and returns the one Push for the one updated ref. */
  async pushOne(...args: string[]): Promise<Push> {
    const pushes = await this.collect(this.push(...args));
    expect(pushes).toHaveLength(1);
    return pushes[0]!;
  }
}

function git(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, {
    cwd,
    input: opts.input ?? '',
    env: { ...process.env, ...hermetic.env(), ...opts.env },
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

const shas = (p: Push) => p.commits.map((c) => c.sha);
const byRef = (pushes: Push[], ref: string) => {
  const p = pushes.find((x) => x.ref === ref);
  expect(p, ref).toBeDefined();
  return p!;
};

describe('collectPushes on real post-receive input', () => {
  it('lists every commit of the first push of main, oldest first, with author, time and message', async () => {
    const f = new Fixture();
    const date = { GIT_AUTHOR_DATE: '2024-05-01T12:34:56+09:00' };
    const c1 = f.commit('first\n\nrefs #1\n', { env: date });
    const c2 = f.commit('second', { env: { ...date, GIT_AUTHOR_NAME: 'Bob Builder' } });
    const c3 = f.commit('third fixes #3');
    const input = f.push('main');
    expect(input).toBe(`${'0'.repeat(40)} ${c3} refs/heads/main\n`);

    const pushes = await f.collect(input);
    expect(pushes).toEqual([
      {
        repo: 'app',
        ref: 'refs/heads/main',
        before: ZERO_SHA,
        after: c3,
        pusher: 'alice',
        forced: false,
        commits: [
          { sha: c1, author: 'Alice Example', time: '2024-05-01T12:34:56+09:00', message: 'first\n\nrefs #1' },
          { sha: c2, author: 'Bob Builder', time: '2024-05-01T12:34:56+09:00', message: 'second' },
          { sha: c3, author: 'Alice Example', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/), message: 'third fixes #3' },
        ],
        removed: [],
      },
    ]);
  });

  it('lists the new commits of a fast-forward push', async () => {
    const f = new Fixture();
    const base = f.commits(2, 'base');
    f.push('main');
    const added = f.commits(2, 'more');
    const p = await f.pushOne('main');
    expect(p).toMatchObject({ ref: 'refs/heads/main', before: base[1], after: added[1], forced: false, removed: [] });
    expect(shas(p)).toEqual(added);
  });

  it('lists only the commits a new feature branch brings, then only its next ones', async () => {
    const f = new Fixture();
    f.commits(3, 'main');
    f.push('main');
    f.git(['checkout', '-q', '-b', 'feature']);
    const feat = f.commits(2, 'feature');
    const created = await f.pushOne('feature');
    expect(created).toMatchObject({ ref: 'refs/heads/feature', before: ZERO_SHA, after: feat[1], forced: false, removed: [] });
    expect(shas(created)).toEqual(feat);

    const next = f.commit('feature 3');
    const updated = await f.pushOne('feature');
    expect(updated).toMatchObject({ before: feat[1], after: next, forced: false });
    expect(shas(updated)).toEqual([next]);
  });

  it('a branch created where the repository already has every commit lists none', async () => {
    const f = new Fixture();
    f.commits(2, 'main');
    f.push('main');
    const p = await f.pushOne('main:refs/heads/copy');
    expect(p).toMatchObject({ ref: 'refs/heads/copy', forced: false, commits: [], removed: [] });
  });

  it('a fast-forward merge of a pushed feature branch lists its commits for main again', async () => {
    const f = new Fixture();
    const base = f.commit('base');
    f.push('main');
    f.git(['checkout', '-q', '-b', 'feature']);
    const feat = f.commits(2, 'feature fixes #7');
    f.push('feature');
    f.git(['checkout', '-q', 'main']);
    f.git(['merge', '-q', '--ff-only', 'feature']);
    const p = await f.pushOne('main');
    expect(p).toMatchObject({ ref: 'refs/heads/main', before: base, after: feat[1], forced: false });
    expect(shas(p)).toEqual(feat);
  });

  it('a --no-ff merge into main lists the merged commits and the merge commit', async () => {
    const f = new Fixture();
    f.commit('base');
    f.push('main');
    f.git(['checkout', '-q', '-b', 'feature']);
    const feat = f.commits(2, 'feature');
    f.push('feature');
    f.git(['checkout', '-q', 'main']);
    const onMain = f.commit('meanwhile on main');
    const before = f.head();
    f.push('main');
    f.git(['merge', '-q', '--no-ff', '-m', 'Merge feature: closes #9', 'feature']);
    const merge = f.head();
    const p = await f.pushOne('main');
    expect(p).toMatchObject({ before, after: merge, forced: false });
    expect(shas(p)).toEqual([...feat, merge]);
    expect(shas(p)).not.toContain(onMain);
    expect(p.commits.at(-1)!.message).toBe('Merge feature: closes #9');
  });

  it('a force-push after an amend is forced and reports the amended-away commit as removed', async () => {
    const f = new Fixture();
    const [a, b] = f.commits(2, 'commit');
    f.push('main');
    f.git(['commit', '-q', '--amend', '--allow-empty', '-m', 'commit 2, amended']);
    const amended = f.head();
    const p = await f.pushOne('+main');
    expect(p).toMatchObject({ ref: 'refs/heads/main', before: b, after: amended, forced: true, removed: [b] });
    expect(p.commits).toEqual([expect.objectContaining({ sha: amended, message: 'commit 2, amended' })]);
    expect(shas(p)).not.toContain(a);

    // The same on a feature branch, where commits are those new to the repository.
    f.git(['checkout', '-q', '-b', 'feature']);
    const [f1, f2] = f.commits(2, 'feature');
    f.push('feature');
    f.git(['reset', '-q', '--hard', 'HEAD~2']);
    const f3 = f.commit('feature rewritten');
    const q = await f.pushOne('+feature');
    expect(q).toMatchObject({ ref: 'refs/heads/feature', before: f2, after: f3, forced: true, removed: [f1, f2] });
    expect(shas(q)).toEqual([f3]);
  });

  it('deleting a branch with unmerged commits reports them as removed; a merged one removes nothing', async () => {
    const f = new Fixture();
    f.commit('base');
    f.push('main');
    f.git(['checkout', '-q', '-b', 'unmerged']);
    const lost = f.commits(2, 'unmerged');
    f.push('unmerged');
    f.git(['checkout', '-q', 'main']);
    const gone = await f.pushOne('--delete', 'unmerged');
    expect(gone).toEqual({
      repo: 'app',
      ref: 'refs/heads/unmerged',
      before: lost[1],
      after: ZERO_SHA,
      pusher: 'alice',
      forced: false,
      commits: [],
      removed: lost,
    });

    f.git(['checkout', '-q', '-b', 'merged']);
    const kept = f.commits(2, 'merged');
    f.push('merged');
    f.git(['checkout', '-q', 'main']);
    f.git(['merge', '-q', '--ff-only', 'merged']);
    f.push('main');
    const deleted = await f.pushOne('--delete', 'merged');
    expect(deleted).toMatchObject({ ref: 'refs/heads/merged', before: kept[1], after: ZERO_SHA, forced: false, commits: [], removed: [] });
  });

  it('a push of several refs at once lists each new commit once', async () => {
    const f = new Fixture();
    f.commit('base');
    f.push('main');
    const onMain = f.commit('main moves on');
    f.git(['tag', '-a', '-m', 'release 1', 'v1']);
    f.git(['checkout', '-q', '-b', 'topic']);
    const topic = f.commits(2, 'topic');
    const input = f.push('topic', 'main', 'v1');
    expect(input.trim().split('\n')).toHaveLength(3);
    const pushes = await f.collect(input);
    expect(pushes.map((p) => p.ref)).toEqual(input.trim().split('\n').map((l) => l.split(' ')[2]));
    // main is listed first whatever the input order, so the topic branch does not repeat its new commit.
    expect(shas(byRef(pushes, 'refs/heads/main'))).toEqual([onMain]);
    expect(shas(byRef(pushes, 'refs/heads/topic'))).toEqual(topic);
    expect(byRef(pushes, 'refs/tags/v1')).toMatchObject({ before: ZERO_SHA, after: f.head('v1'), commits: [], forced: false });

    // The same new commits on two new branches: listed under one of them, not lost between them.
    f.git(['checkout', '-q', '-b', 'other']);
    const fresh = f.commits(2, 'fresh');
    const both = await f.collect(f.push('HEAD:refs/heads/copy-a', 'HEAD:refs/heads/copy-b'));
    expect(both).toHaveLength(2);
    expect(both.flatMap(shas)).toEqual(fresh);
  });

  it('tags: a lightweight tag of a pushed commit, an annotated tag of a new one, a tag of a tree, deletion', async () => {
    const f = new Fixture();
    const base = f.commit('base');
    f.push('main');
    f.git(['tag', 'light']);
    expect(await f.pushOne('light')).toMatchObject({ ref: 'refs/tags/light', before: ZERO_SHA, after: base, commits: [], removed: [] });

    f.git(['checkout', '-q', '--detach']);
    const hotfix = f.commit('hotfix only on a tag, fixes #4');
    f.git(['tag', '-a', '-m', 'hotfix release', 'v1.0.1']);
    const tagObject = f.head('v1.0.1');
    expect(tagObject).not.toBe(hotfix);
    const annotated = await f.pushOne('v1.0.1');
    expect(annotated).toMatchObject({ ref: 'refs/tags/v1.0.1', before: ZERO_SHA, after: tagObject, forced: false });
    expect(shas(annotated)).toEqual([hotfix]);

    f.git(['tag', '-a', '-m', 'a tree', 'tree-tag', `${base}^{tree}`]);
    expect(await f.pushOne('tree-tag')).toMatchObject({ ref: 'refs/tags/tree-tag', commits: [], forced: false, removed: [] });
    f.git(['tag', 'blob-tag', f.git(['hash-object', '-w', '--stdin'], { input: 'just a blob\n' })]);
    expect(await f.pushOne('blob-tag')).toMatchObject({ ref: 'refs/tags/blob-tag', commits: [], removed: [] });

    // Moving a tag off its commit's history is a forced update; deleting the tag loses the hotfix commit.
    f.git(['tag', '-f', '-a', '-m', 'moved', 'v1.0.1', base]);
    const moved = await f.pushOne('+refs/tags/v1.0.1');
    expect(moved).toMatchObject({ before: tagObject, forced: true, commits: [], removed: [hotfix] });
    const deleted = await f.pushOne('--delete', 'refs/tags/light');
    expect(deleted).toMatchObject({ before: base, after: ZERO_SHA, commits: [], removed: [] });
  });

  it('keeps messages, authors and ref names with any characters intact', async () => {
    const f = new Fixture();
    const messages = [
      'Unicode: 日本語のコミット 🚀 café naïve Ωμέγα e\u0301 \u200b zero-width\n\nbody ü\n',
      'Separators \x1e\x1f\x01\x7f %H %x00 %n %% %B {{x}} ${HOME} $(rm -rf /) `id` \\ \\\\ "quoted" \'single\' <tag> & | ; #12\n',
      'Multi\r\nline with CR\r\n\n\n   indented\n\ttabbed\n\ntrailing spaces   \n\n\n',
      '---\nlooks: like yaml\n---\ncommit 0123456789abcdef0123456789abcdef01234567\n',
    ];
    const ids = messages.map((m) => f.commit(m, { env: { GIT_AUTHOR_NAME: 'Zoë "Z" Ångström 山田' } }));
    // A commit recorded in ISO-8859-1 (with an encoding header) comes out as UTF-8.
    const latin1 = f.commit(Buffer.from('caf\xe9 cr\xe8me, refs #5\n', 'latin1'), { config: ['i18n.commitEncoding=ISO-8859-1'] });
    const branch = `feature/ünï-çødé$(touch\${IFS}x);'"&|#{a}`;
    f.git(['checkout', '-q', '-b', branch]);
    const p = await f.pushOne(`HEAD:refs/heads/${branch}`);
    expect(p.ref).toBe(`refs/heads/${branch}`);
    expect(p.commits).toEqual([
      ...messages.map((m, i) => ({ sha: ids[i], author: 'Zoë "Z" Ångström 山田', time: expect.any(String), message: m.replace(/\n+$/, '') })),
      { sha: latin1, author: 'Alice Example', time: expect.any(String), message: 'café crème, refs #5' },
    ]);
  });

  it('cuts long messages to maxMessageBytes on a UTF-8 character boundary', async () => {
    const f = new Fixture();
    f.commit('é'.repeat(100));
    f.commit(`${'x'.repeat(20_000)}\n`);
    f.commit('😀'.repeat(3));
    const input = f.push('main');
    const [cut] = await f.collect(input, { maxMessageBytes: 51 });
    expect(cut!.commits.map((c) => c.message)).toEqual(['é'.repeat(25), 'x'.repeat(51), '😀'.repeat(3)]);
    const [byDefault] = await f.collect(input);
    expect(Buffer.byteLength(byDefault!.commits[1]!.message)).toBe(16 * 1024);
    expect(byDefault!.commits[0]!.message).toBe('é'.repeat(100));
    const [tiny] = await f.collect(input, { maxMessageBytes: 6 });
    expect(tiny!.commits.map((c) => c.message)).toEqual(['ééé', 'xxxxxx', '😀']);
  });

  it('ignores blank lines and accepts a relative git directory', async () => {
    const f = new Fixture();
    const [c] = f.commits(1, 'one');
    const input = f.push('main');
    expect(await f.collect('')).toEqual([]);
    expect(await f.collect('\n  \n')).toEqual([]);
    const pushes = await f.collect(`\n\n${input.trim()}\r\n\n`, { gitDir: relative(process.cwd(), f.bare) });
    expect(pushes.map(shas)).toEqual([[c]]);
  });

  it('rejects a malformed line with a UserError that names the line and what was expected', async () => {
    const f = new Fixture();
    const c = f.commit('one');
    const good = f.push('main').trim();
    const zero = '0'.repeat(40);
    const cases: Array<[string, RegExp]> = [
      [`${good}\nnot a hook line at all`, /^line 2: expected "<old-id> <new-id> <ref>"/],
      [`\n${good}\n${zero} ${c}`, /^line 3: expected/],
      [`${zero} ${c.slice(0, 12)} refs/heads/x`, /^line 1: "[0-9a-f]{12}" is not an object name \(40 or 64 hex digits\)/],
      [`${zero} ${c}0 refs/heads/x`, /^line 1: .* is not an object name/],
      [`${zero} ${c} main`, /^line 1: "main" is not a full ref name/],
      [`${zero} ${zero} refs/heads/x`, /^line 1: both ids are zero/],
      [`${zero} ${c} refs/heads/x extra`, /^line 1: expected/],
      [`${zero} ${'1'.repeat(40)} refs/heads/x`, /^line 1: 1{40} is not an object in /],
    ];
    for (const [input, message] of cases) {
      const err = await f.collect(input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, input).toBeInstanceOf(UserError);
      expect((err as Error).message, input).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
    const notRepo = await collectPushes({ gitDir: hermetic.root(), input: good, repo: 'app', defaultBranch: 'main', pusher: 'a' }).catch((e: unknown) => e);
    expect(notRepo).toBeInstanceOf(UserError);
    expect((notRepo as Error).message).toMatch(/is not a git repository/);
  });

  it('handles a SHA-256 repository (64-digit ids, 64-digit zero id)', async () => {
    const f = new Fixture({ objectFormat: 'sha256' });
    const [c1, c2] = f.commits(2, 'sha256');
    expect(c1).toMatch(/^[0-9a-f]{64}$/);
    const input = f.push('main');
    expect(input).toBe(`${'0'.repeat(64)} ${c2} refs/heads/main\n`);
    const [created] = await f.collect(input);
    expect(created).toMatchObject({ before: ZERO_SHA, after: c2, forced: false, removed: [] });
    expect(shas(created!)).toEqual([c1, c2]);

    f.git(['checkout', '-q', '-b', 'side']);
    const side = f.commit('side');
    f.push('side');
    const [deleted] = await f.collect(f.push('--delete', 'side'));
    expect(deleted).toMatchObject({ before: side, after: ZERO_SHA, commits: [], removed: [side] });
  });

  it('collects a 1,000-commit push in order', async () => {
    const f = new Fixture();
    const base = f.commit('base');
    f.push('main');
    // fast-import makes the 1,000 commits in one process.
    const n = 1000;
    let stream = '';
    for (let i = 1; i <= n; i++) {
      const msg = `bulk ${i}\n\nrefs #${i}\n`;
      stream += `commit refs/heads/main\nmark :${i}\nauthor Bulk Bot <bulk@example.com> ${1_700_000_000 + i} +0000\n`;
      stream += `committer Bulk Bot <bulk@example.com> ${1_700_000_000 + i} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`;
      stream += i === 1 ? `from ${base}\n\n` : `from :${i - 1}\n\n`;
    }
    f.git(['fast-import', '--quiet', '--force'], { input: stream });
    const expected = f.git(['rev-list', '--reverse', `${base}..main`]).split('\n');
    expect(expected).toHaveLength(n);

    const p = await f.pushOne('main');
    expect(p.commits).toHaveLength(n);
    expect(shas(p)).toEqual(expected);
    expect(p.commits.map((c) => c.message)).toEqual(Array.from({ length: n }, (_, i) => `bulk ${i + 1}\n\nrefs #${i + 1}`));
    expect(p.commits[0]).toMatchObject({ author: 'Bulk Bot', time: '2023-11-14T22:13:21+00:00' });
  });
});
