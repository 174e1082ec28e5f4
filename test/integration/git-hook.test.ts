import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPlainLines } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import type { Ticket, TicketCommit, TicketEvent } from '../../src/domain/tickets/model.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { hermeticGit } from '../helpers/git.js';

/**
 * `opsbridge git-hook` end to end: a bare repository whose real
 * `hooks/post-receive` runs the built CLI, a clone that commits and pushes
 * with real git, and the whole bot in-process behind its HTTP API. What the
 * hook did is checked through GET /api/v1/tickets/N, the outbox table and
 * what `git push` shows the pusher (`remote: …`).
 */

const TOKEN = 'git-hook-test-token-0123456789';
const CHANNEL = 'irc:#dev';
const REPOS = [{ name: 'app', default_branch: 'main', channel: CHANNEL, commit_url: 'https://git.example.com/app/commit/{sha}' }];
const ZERO = '0'.repeat(40);

// git, the hook and the CLI all inherit this environment: keep the host's git config and token out of it.
const hermetic = hermeticGit('opsbridge-git-hook-e2e-', ['OPSBRIDGE_TOKEN', 'GL_USERNAME']);

const stages: Stage[] = [];
afterEach(async () => {
  for (const s of stages.splice(0)) await s.close();
});

// ─── helpers ────────────────────────────────────────────────────────────────

interface Pushed {
  /** `git push`'s exit code. */
  code: number | null;
  stderr: string;
  /** What the hook printed, as the pusher sees it (`remote: ` taken off). */
  remote: string[];
  /** The hook's stdin, as git gave it. */
  input: string;
  /** The hook's exit code (git ignores a post-receive hook's status; the hook script records it). */
  hookStatus: number | null;
}

interface TicketView {
  ticket: Ticket;
  watchers: string[];
  commits: TicketCommit[];
  timeline: TicketEvent[];
}

const short = (sha: string) => sha.slice(0, 7);
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const kinds = (v: TicketView) => v.timeline.map((e) => e.kind);

function git(cwd: string, args: string[], input = ''): string {
  return execFileSync('git', args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).trim();
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

let stageCount = 0;

/** One bot, one bare "server" repository with the real hook installed, one working clone. */
class Stage {
  readonly dir: string;
  readonly bare: string;
  readonly work: string;
  readonly configFile: string;
  private readonly inputFile: string;
  private readonly statusFile: string;

  private constructor(
    public tb: TestBot,
    readonly botDir: string,
  ) {
    this.dir = join(hermetic.root(), `stage${++stageCount}`);
    mkdirSync(this.dir);
    this.bare = join(this.dir, 'server.git');
    this.work = join(this.dir, 'work');
    this.configFile = join(this.dir, 'opsbridge.yaml');
    this.inputFile = join(this.dir, 'hook-input');
    this.statusFile = join(this.dir, 'hook-status');
    git(this.dir, ['init', '-q', '--bare', '-b', 'main', this.bare]);
    git(this.dir, ['init', '-q', '-b', 'main', this.work]);
    git(this.work, ['remote', 'add', 'origin', this.bare]);
    this.writeConfig();
    this.installHook();
  }

  static async start(): Promise<Stage> {
    const tb = await startTestBot(botConfig());
    const s = new Stage(tb, tb.dir);
    stages.push(s);
    return s;
  }

  get dbFile(): string {
    return join(this.botDir, 'bot.db');
  }

  get port(): number {
    return this.tb.bot.http.port;
  }

  /** The config the hook reads: the running bot's address and token, the same repositories. */
  private writeConfig(): void {
    const config = { database: this.dbFile, http: { listen: `127.0.0.1:${this.port}`, token: TOKEN }, git: { repos: REPOS }, log: { level: 'warn' } };
    writeFileSync(this.configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  }

  /** post-receive: keeps its stdin and its exit status for the test, and runs the built CLI on them. */
  installHook(extraArgs: string[] = []): void {
    const hook = join(this.bare, 'hooks', 'post-receive');
    const command = [process.execPath, CLI, '-c', this.configFile, 'git-hook', '--repo', 'app', ...extraArgs].map(sq).join(' ');
    writeFileSync(hook, `#!/bin/sh\ncat > ${sq(this.inputFile)}\n${command} < ${sq(this.inputFile)}\nstatus=$?\necho $status > ${sq(this.statusFile)}\nexit $status\n`);
    chmodSync(hook, 0o755);
  }

  git(args: string[], input = ''): string {
    return git(this.work, args, input);
  }

  commit(message: string): string {
    this.git(['commit', '-q', '--allow-empty', '-F', '-'], message);
    return this.head();
  }

  head(rev = 'HEAD'): string {
    return this.git(['rev-parse', rev]);
  }

  serverHead(ref: string): string {
    return git(this.bare, ['rev-parse', ref]);
  }

  /**
   * `git push origin ARGS` as alice (the hook takes the pusher from GL_USERNAME, as under gitolite or GitLab).
   * Asynchronous: the hook talks to the bot in this very process, whose event loop must keep running.
   */
  async push(...args: string[]): Promise<Pushed> {
    rmSync(this.inputFile, { force: true });
    rmSync(this.statusFile, { force: true });
    const r = await run('git', ['push', 'origin', ...args], { cwd: this.work, env: { ...process.env, GL_USERNAME: 'alice' } });
    return {
      code: r.code,
      stderr: r.stderr,
      remote: r.stderr
        .split('\n')
        .filter((l) => l.startsWith('remote: '))
        .map((l) => l.slice('remote: '.length).trimEnd()),
      input: existsSync(this.inputFile) ? readFileSync(this.inputFile, 'utf8') : '',
      hookStatus: existsSync(this.statusFile) ? Number(readFileSync(this.statusFile, 'utf8').trim()) : null,
    };
  }

  /** `opsbridge git-hook` run by hand on the server repository, as an admin replays a hook. */
  runHook(input: string, args: string[] = []): Promise<CliResult> {
    return runCli(['-c', this.configFile, 'git-hook', '--repo', 'app', '--git-dir', this.bare, '--pusher', 'alice', ...args], { cwd: this.dir, input });
  }

  async open(title: string): Promise<number> {
    return (await this.tb.bot.core.services.tickets.create({ title, reporter: { name: 'alice' } })).id;
  }

  async ticket(id: number): Promise<TicketView> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/v1/tickets/${id}`);
    expect(res.status, `GET /api/v1/tickets/${id}`).toBe(200);
    return (await res.json()) as TicketView;
  }

  /** A query on the bot's database through a connection of its own (works while the bot is down too). */
  query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(this.dbFile);
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  count(table: string): number {
    return this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)[0]!.n;
  }

  /** Rows the bot stored: what pushes, links and timelines hold, to compare before and after. */
  footprint(): Record<string, number> {
    return Object.fromEntries(['git_pushes', 'ticket_commits', 'ticket_events', 'tickets', 'outbox'].map((t) => [t, this.count(t)]));
  }

  /** The repository channel's outbox rows, each rendered as plain text (a push line is one line). */
  pushLines(): Array<{ id: number; text: string; lines: number; delivered: boolean }> {
    return this.query<{ id: number; body: string; delivered_at: string | null }>('SELECT id, body, delivered_at FROM outbox WHERE channel = ? ORDER BY id', CHANNEL).map((r) => {
      const lines = renderPlainLines(JSON.parse(r.body) as RichText);
      return { id: r.id, text: lines.join('\n'), lines: lines.length, delivered: r.delivered_at !== null };
    });
  }

  lastPushLine(): string {
    const all = this.pushLines();
    expect(all.length).toBeGreaterThan(0);
    return all.at(-1)!.text;
  }

  /** Stops the bot and keeps its database. */
  async stopBot(): Promise<void> {
    await this.tb.bot.stop();
  }

  /** A new bot on the same database (another port: the hook's config follows it). */
  async restartBot(): Promise<void> {
    this.tb = await startTestBot(botConfig(), this.botDir);
    this.writeConfig();
  }

  async close(): Promise<void> {
    await this.tb.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function botConfig(): Record<string, unknown> {
  return { http: { listen: '127.0.0.1:0', token: TOKEN }, git: { repos: REPOS } };
}

/** A stage with `n` tickets open (#1…#n) and an initial commit on main, already pushed. */
async function stageWithTickets(n: number): Promise<Stage> {
  const s = await Stage.start();
  for (let i = 1; i <= n; i++) expect(await s.open(`ticket ${i}`)).toBe(i);
  s.commit('initial commit');
  const first = await s.push('main');
  expect(first.hookStatus).toBe(0);
  return s;
}

// ─── 1. a push to main ──────────────────────────────────────────────────────

describe('a push to the default branch', () => {
  it('closes what `fixes` names, links what `refs` names, posts one push line and tells the pusher', async () => {
    const s = await stageWithTickets(2);
    const fix = s.commit('fix login crash on empty password, fixes #1\n\nThe form sent null.');
    const tidy = s.commit('tidy the session code, refs #2');
    const r = await s.push('main');

    expect(r.code).toBe(0);
    expect(r.hookStatus).toBe(0);
    expect(r.input.trim().split(' ')[2]).toBe('refs/heads/main');
    expect(r.remote).toEqual(['opsbridge: app/main: 2 commits, #1 closed, #2 linked']);

    const one = await s.ticket(1);
    expect(one.ticket.status).toBe('closed');
    expect(one.ticket.closed_at).not.toBeNull();
    expect(kinds(one)).toEqual(['created', 'commit', 'status']);
    expect(one.timeline[1]).toMatchObject({ kind: 'commit', actor: 'Alice Example', repo: 'app', sha: fix, body: 'Alice Example: fix login crash on empty password, fixes #1 (app/main)' });
    expect(one.timeline[2]).toMatchObject({
      kind: 'status', actor: 'Alice Example', old_value: 'open', new_value: 'closed',
      body: `closed by ${short(fix)} in app/main: fix login crash on empty password, fixes #1`,
    });
    expect(one.commits).toEqual([
      expect.objectContaining({ repo: 'app', sha: fix, action: 'close', author: 'Alice Example', subject: 'fix login crash on empty password, fixes #1', url: `https://git.example.com/app/commit/${fix}`, closed_at: expect.any(String) }),
    ]);

    const two = await s.ticket(2);
    expect(two.ticket.status).toBe('open');
    expect(kinds(two)).toEqual(['created', 'commit']);
    expect(two.commits).toEqual([expect.objectContaining({ sha: tidy, action: 'link', url: `https://git.example.com/app/commit/${tidy}`, closed_at: null })]);

    const lines = s.pushLines();
    expect(lines.map((l) => l.text)).toEqual([
      expect.stringMatching(/^\[app\/main\] alice pushed 1 commit \(new branch\): [0-9a-f]{7} initial commit$/),
      `[app/main] alice pushed 2 commits: ${short(fix)} fix login crash on empty password, fixes #1; ${short(tidy)} tidy the session code, refs #2 → #1 closed, #2 linked`,
    ]);
    expect(s.query<{ n: number }>('SELECT commits AS n FROM git_pushes WHERE after_sha = ?', tidy)).toEqual([{ n: 2 }]);
  });
});

// ─── 2. feature branches and merges ────────────────────────────────────────

describe('closing only on the default branch', () => {
  it('a feature branch links; its fast-forward merge into main closes, once', async () => {
    const s = await stageWithTickets(3);
    s.git(['checkout', '-q', '-b', 'feature/login']);
    const fix = s.commit('handle expired sessions, fixes #3');
    const onBranch = await s.push('feature/login');
    expect(onBranch.remote).toEqual(['opsbridge: app/feature/login: 1 commit, #3 linked']);
    let three = await s.ticket(3);
    expect(three.ticket.status).toBe('open');
    expect(three.commits).toEqual([expect.objectContaining({ sha: fix, action: 'close', closed_at: null })]);
    expect(s.lastPushLine()).toBe(`[app/feature/login] alice pushed 1 commit (new branch): ${short(fix)} handle expired sessions, fixes #3 → #3 linked`);

    s.git(['checkout', '-q', 'main']);
    s.git(['merge', '-q', '--ff-only', 'feature/login']);
    const merged = await s.push('main');
    expect(merged.remote).toEqual(['opsbridge: app/main: 1 commit, #3 closed']);
    three = await s.ticket(3);
    expect(three.ticket.status).toBe('closed');
    expect(kinds(three)).toEqual(['created', 'commit', 'status']);
    expect(three.timeline[2]!.body).toBe(`closed by ${short(fix)} in app/main: handle expired sessions, fixes #3`);
    expect(three.commits).toEqual([expect.objectContaining({ sha: fix, closed_at: expect.any(String) })]);
    expect(s.lastPushLine()).toBe(`[app/main] alice pushed 1 commit: ${short(fix)} handle expired sessions, fixes #3 → #3 closed`);

    // Deleting the merged branch loses nothing: nothing to note.
    const deleted = await s.push('--delete', 'feature/login');
    expect(deleted.remote).toEqual(['opsbridge: app/feature/login: deleted']);
    expect(s.lastPushLine()).toBe('[app/feature/login] alice deleted the branch');
    expect(kinds(await s.ticket(3))).toEqual(['created', 'commit', 'status']);
  });

  it('a --no-ff merge into main closes once; later merges of the same branch do not close again', async () => {
    const s = await stageWithTickets(3);
    s.git(['checkout', '-q', '-b', 'feature/login']);
    const fix = s.commit('handle expired sessions, fixes #3');
    expect((await s.push('feature/login')).remote).toEqual(['opsbridge: app/feature/login: 1 commit, #3 linked']);
    s.git(['checkout', '-q', 'main']);
    const meanwhile = s.commit('bump dependencies');
    expect((await s.push('main')).remote).toEqual(['opsbridge: app/main: 1 commit']);

    s.git(['merge', '-q', '--no-ff', '-m', "Merge branch 'feature/login'", 'feature/login']);
    const merge = s.head();
    const merged = await s.push('main');
    expect(merged.remote).toEqual(['opsbridge: app/main: 2 commits, #3 closed']);
    expect(s.lastPushLine()).toBe(`[app/main] alice pushed 2 commits: ${short(fix)} handle expired sessions, fixes #3; ${short(merge)} Merge branch 'feature/login' → #3 closed`);
    expect(s.lastPushLine()).not.toContain(short(meanwhile));

    // More work on the branch, merged again: the closing commit is not new to main, nothing repeats.
    s.git(['checkout', '-q', 'feature/login']);
    s.commit('more session tests');
    await s.push('feature/login');
    s.git(['checkout', '-q', 'main']);
    s.git(['merge', '-q', '--no-ff', '-m', "Merge branch 'feature/login' again", 'feature/login']);
    expect((await s.push('main')).remote).toEqual(['opsbridge: app/main: 2 commits']);

    const three = await s.ticket(3);
    expect(three.ticket.status).toBe('closed');
    expect(kinds(three)).toEqual(['created', 'commit', 'status']);
    expect(three.timeline.filter((e) => e.kind === 'commit').map((e) => e.sha)).toEqual([fix]);
    expect(three.commits).toHaveLength(1);
  });
});

// ─── 3. idempotency ─────────────────────────────────────────────────────────

describe('the same commits seen again', () => {
  it('re-running the hook with the same stdin, or pushing the same commit to another branch, changes nothing', async () => {
    const s = await stageWithTickets(2);
    const fix = s.commit('fix login crash, fixes #1');
    s.commit('tidy the session code, refs #2');
    const r = await s.push('main');
    expect(r.remote).toEqual(['opsbridge: app/main: 2 commits, #1 closed, #2 linked']);
    const before = s.footprint();
    const [one, two] = [await s.ticket(1), await s.ticket(2)];

    const replay = await s.runHook(r.input);
    expect(replay).toMatchObject({ code: 0, stdout: '', stderr: 'opsbridge: app/main: already seen\n' });
    expect(s.footprint()).toEqual(before);

    // The same commits on a new branch are not new to the repository: no links, no close, one push line.
    const copy = await s.push(`${fix}:refs/heads/release-1`);
    expect(copy.remote).toEqual(['opsbridge: app/release-1: 0 commits']);
    expect(s.lastPushLine()).toBe(`[app/release-1] alice pushed ${short(fix)} (new branch)`);
    expect(s.footprint()).toEqual({ ...before, git_pushes: before.git_pushes! + 1, outbox: before.outbox! + 1 });
    expect(await s.ticket(1)).toEqual(one);
    expect(await s.ticket(2)).toEqual(two);
  });

  it('a commit closes once: a ticket reopened after it closed stays open when the commit reaches main again', async () => {
    const s = await stageWithTickets(1);
    const base = s.head();
    const fix = s.commit('fix login crash, fixes #1');
    const first = await s.push('main');
    expect(first.remote).toEqual(['opsbridge: app/main: 1 commit, #1 closed']);

    await s.tb.bot.core.services.tickets.setStatus(1, 'open', { name: 'bob' }, 'still crashes on Safari');
    const reopened = await s.ticket(1);
    expect(reopened.ticket.status).toBe('open');
    expect(kinds(reopened)).toEqual(['created', 'commit', 'status', 'status']);

    // The commit on another branch, the hook replayed, main rewound and the commit pushed to main again.
    expect((await s.push('main:refs/heads/hotfix')).remote).toEqual(['opsbridge: app/hotfix: 0 commits']);
    expect((await s.runHook(first.input)).stderr).toBe('opsbridge: app/main: already seen\n');
    s.git(['reset', '-q', '--hard', base]);
    const rewound = await s.push('+main');
    expect(rewound.remote).toEqual(['opsbridge: app/main: 0 commits']); // the commit is still on hotfix: nothing lost
    expect(s.lastPushLine()).toBe(`[app/main] alice force-pushed ${short(base)}`);
    // Main forward again over the closing commit (base..later): the commit is new to main once more, and closes nothing.
    s.git(['reset', '-q', '--hard', fix]);
    const later = s.commit('update the changelog');
    const again = await s.push('main');
    expect(again.remote).toEqual(['opsbridge: app/main: 2 commits']);
    expect(s.lastPushLine()).toBe(`[app/main] alice pushed 2 commits: ${short(fix)} fix login crash, fixes #1; ${short(later)} update the changelog`);

    const after = await s.ticket(1);
    expect(after.ticket.status).toBe('open');
    expect(after.timeline).toEqual(reopened.timeline);
    expect(after.commits).toEqual(reopened.commits);
  });
});

// ─── 4. rewritten history ───────────────────────────────────────────────────

describe('force-pushes and deleted branches', () => {
  it('an amended, force-pushed commit keeps the old link and notes the old sha; a deleted unmerged branch is noted too', async () => {
    const s = await stageWithTickets(2);
    s.git(['checkout', '-q', '-b', 'rewrite']);
    const old = s.commit('start the session rewrite, refs #1');
    expect((await s.push('rewrite')).remote).toEqual(['opsbridge: app/rewrite: 1 commit, #1 linked']);
    s.git(['commit', '-q', '--amend', '--allow-empty', '-m', 'start the session rewrite (with tests), refs #1']);
    const amended = s.head();
    const forced = await s.push('+rewrite');
    expect(forced.code).toBe(0);
    expect(forced.remote).toEqual(['opsbridge: app/rewrite: 1 commit, #1 linked, #1 noted']);
    expect(s.lastPushLine()).toBe(`[app/rewrite] alice force-pushed 1 commit: ${short(amended)} start the session rewrite (with tests), refs #1 → #1 linked, #1 noted (history rewritten)`);

    const one = await s.ticket(1);
    expect(one.ticket.status).toBe('open');
    expect(one.commits.map((c) => c.sha).sort()).toEqual([old, amended].sort());
    expect(kinds(one)).toEqual(['created', 'commit', 'commit', 'force_push']);
    expect(one.timeline.filter((e) => e.kind === 'commit').map((e) => e.sha)).toEqual([old, amended]);
    expect(one.timeline[3]).toMatchObject({ actor: 'alice', repo: 'app', sha: old, body: `${short(old)} is no longer on app/rewrite after a force-push by alice` });

    s.git(['checkout', '-q', 'main']);
    s.git(['checkout', '-q', '-b', 'spike']);
    const spike = s.commit('try a cache in front of sessions, refs #2');
    expect((await s.push('spike')).remote).toEqual(['opsbridge: app/spike: 1 commit, #2 linked']);
    s.git(['checkout', '-q', 'main']);
    const deleted = await s.push('--delete', 'spike');
    expect(deleted.code).toBe(0);
    expect(deleted.remote).toEqual(['opsbridge: app/spike: deleted, #2 noted']);
    expect(s.lastPushLine()).toBe('[app/spike] alice deleted the branch → #2 noted (its commit left with the branch)');
    const two = await s.ticket(2);
    expect(two.commits).toEqual([expect.objectContaining({ sha: spike, action: 'link' })]);
    expect(two.timeline.at(-1)).toMatchObject({ kind: 'force_push', actor: 'alice', sha: spike, body: `${short(spike)} was on app/spike, deleted by alice` });
  });
});

// ─── 5. unknown tickets ─────────────────────────────────────────────────────

describe('a reference to a ticket that does not exist', () => {
  it('creates nothing, and the push is still processed and posted', async () => {
    const s = await stageWithTickets(1);
    const before = s.footprint();
    const typo = s.commit('fix the banner typo, fixes #999');
    const r = await s.push('main');
    expect(r.hookStatus).toBe(0);
    expect(r.remote).toEqual(['opsbridge: app/main: 1 commit, no ticket #999']);
    expect((await fetch(`http://127.0.0.1:${s.port}/api/v1/tickets/999`)).status).toBe(404);
    expect(s.footprint()).toEqual({ ...before, git_pushes: before.git_pushes! + 1, outbox: before.outbox! + 1 });
    expect(s.lastPushLine()).toBe(`[app/main] alice pushed 1 commit: ${short(typo)} fix the banner typo, fixes #999`);
    expect(kinds(await s.ticket(1))).toEqual(['created']);
  });
});

// ─── 6. the bot is down ─────────────────────────────────────────────────────

describe('when the bot cannot be reached', () => {
  it('with --db the hook writes to the database itself; the restarted bot delivers the pending push line', async () => {
    const s = await stageWithTickets(2);
    s.installHook(['--db', s.dbFile]);
    await s.stopBot();

    const fix = s.commit('debounce the disk check, fixes #1');
    const note = s.commit('log the threshold, refs #2');
    const r = await s.push('main');
    expect(r.code).toBe(0);
    expect(r.hookStatus).toBe(0);
    expect(r.remote).toEqual(['opsbridge: app/main: 2 commits, #1 closed, #2 linked']);

    // The database, read while no bot runs.
    expect(s.query('SELECT id, status FROM tickets ORDER BY id')).toEqual([{ id: 1, status: 'closed' }, { id: 2, status: 'open' }]);
    expect(s.query('SELECT ticket_id, sha, action, url, closed_at IS NOT NULL AS closed FROM ticket_commits ORDER BY ticket_id')).toEqual([
      { ticket_id: 1, sha: fix, action: 'close', url: `https://git.example.com/app/commit/${fix}`, closed: 1 },
      { ticket_id: 2, sha: note, action: 'link', url: `https://git.example.com/app/commit/${note}`, closed: 0 },
    ]);
    const line = s.pushLines().at(-1)!;
    expect(line).toMatchObject({ delivered: false, text: `[app/main] alice pushed 2 commits: ${short(fix)} debounce the disk check, fixes #1; ${short(note)} log the threshold, refs #2 → #1 closed, #2 linked` });

    await s.restartBot();
    const one = await s.ticket(1);
    expect(one.ticket.status).toBe('closed');
    expect(kinds(one)).toEqual(['created', 'commit', 'status']);
    expect(kinds(await s.ticket(2))).toEqual(['created', 'commit']);
    await eventually(() => s.pushLines().find((l) => l.id === line.id)!.delivered, 'the push line written by the hook to be delivered');
  });

  it('without --db the hook fails loudly but the push itself succeeds; a replay once the bot is back catches up', async () => {
    const s = await stageWithTickets(1);
    await s.stopBot();
    const before = s.footprint();

    const fix = s.commit('debounce the disk check, fixes #1');
    const r = await s.push('main');
    expect(r.code).toBe(0);
    expect(s.serverHead('refs/heads/main')).toBe(fix);
    expect(r.hookStatus).toBe(1);
    expect(r.remote).toEqual([expect.stringMatching(/^opsbridge: cannot reach the bot at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\? \(opsbridge start\); this push is not recorded \(give the hook --db PATH/)]);
    expect(s.footprint()).toEqual(before);

    await s.restartBot();
    const replay = await s.runHook(r.input);
    expect(replay).toMatchObject({ code: 0, stderr: 'opsbridge: app/main: 1 commit, #1 closed\n' });
    expect((await s.ticket(1)).ticket.status).toBe('closed');
  });
});

// ─── 7. bad input ───────────────────────────────────────────────────────────

describe('bad input', () => {
  it('the CLI: an unknown repository, garbage on stdin, a wrong token (even with --db) exit 1 with one clear line and store nothing', async () => {
    const s = await stageWithTickets(1);
    const fix = s.commit('fix login crash, fixes #1');
    const good = `${s.head('HEAD~1')} ${fix} refs/heads/main\n`;
    git(s.bare, ['fetch', '-q', s.work, 'main:main']); // the state a post-receive hook sees, without running it
    const before = s.footprint();

    const nope = await runCli(['-c', s.configFile, 'git-hook', '--repo', 'nope', '--git-dir', s.bare], { cwd: s.dir, input: good });
    expect(nope).toMatchObject({ code: 1, stdout: '', stderr: "opsbridge: no repository 'nope' in git.repos of the config (repositories: app); give --default-branch, or use the bot's config\n" });
    // Told the branch, the hook needs no config entry; the bot still refuses a repository it does not know.
    const unknownToBot = await runCli(['-c', s.configFile, 'git-hook', '--repo', 'nope', '--default-branch', 'main', '--git-dir', s.bare], { cwd: s.dir, input: good });
    expect(unknownToBot).toMatchObject({ code: 1, stdout: '', stderr: "opsbridge: the bot refused: 400 no repository 'nope' in git.repos\n" });

    const garbage = await s.runHook(`${good}not a ref line\n`);
    expect(garbage).toMatchObject({
      code: 1,
      stderr: 'opsbridge: line 2: expected "<old-id> <new-id> <ref>" as git gives a post-receive hook on stdin, got "not a ref line"\n',
    });

    const wrongToken = await s.runHook(good, ['--token', 'not-the-right-token-at-all', '--db', s.dbFile]);
    expect(wrongToken).toMatchObject({ code: 1, stderr: 'opsbridge: the bot refused: 401 invalid bearer token\n' });

    expect(s.footprint()).toEqual(before);
    expect((await s.ticket(1)).ticket.status).toBe('open');
    // The same input with the right token does it: the failures above were about the input.
    expect(await s.runHook(good)).toMatchObject({ code: 0, stderr: 'opsbridge: app/main: 1 commit, #1 closed\n' });
  });

  it('the endpoint: a wrong or missing token is 401, a bad body is 400 naming the field, and nothing is stored', async () => {
    const s = await stageWithTickets(1);
    const sha = 'a'.repeat(40);
    const push = { repo: 'app', ref: 'refs/heads/main', before: ZERO, after: sha, pusher: 'mallory', forced: false, commits: [{ sha, author: 'Mallory', message: 'fixes #1' }] };
    const post = async (body: string | object, token: string | null = TOKEN) => {
      const res = await fetch(`http://127.0.0.1:${s.port}/api/v1/git/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token !== null && { authorization: `Bearer ${token}` }) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error: string; field?: string } };
    };
    const before = s.footprint();

    expect(await post({ pushes: [push] }, 'not-the-right-token-at-all')).toEqual({ status: 401, body: { error: 'invalid bearer token' } });
    expect(await post({ pushes: [push] }, null)).toEqual({ status: 401, body: { error: expect.stringMatching(/^missing bearer token/) } });

    const cases: Array<[string, string | object, string | undefined, RegExp]> = [
      ['an unknown repository', { pushes: [{ ...push, repo: 'nope' }] }, 'pushes.0.repo', /^no repository 'nope' in git\.repos$/],
      ['an unknown repository after a good push', { pushes: [push, { ...push, repo: 'nope' }] }, 'pushes.1.repo', /^no repository 'nope' in git\.repos$/],
      ['invalid JSON', '{"pushes": [', undefined, /^body is not valid JSON: /],
      ['an empty body', '', undefined, /^empty body: send JSON$/],
      ['no pushes', {}, 'pushes', /^pushes: .*expected array, received undefined$/],
      ['an empty list', { pushes: [] }, 'pushes', /^pushes: send at least one ref update$/],
      ['pushes not a list', { pushes: 'main' }, 'pushes', /^pushes: .*expected array, received string$/],
      ['forced as a string', { pushes: [{ ...push, forced: 'yes' }] }, 'pushes.0.forced', /^pushes\.0\.forced: .*expected boolean, received string$/],
      ['no ref', { pushes: [{ repo: 'app' }] }, 'pushes.0.ref', /^pushes\.0\.ref: .*expected string, received undefined$/],
      ['a short ref', { pushes: [{ ...push, ref: 'main' }] }, 'pushes.0.ref', /^pushes\.0\.ref: expected a full ref name such as refs\/heads\/main$/],
      ['an abbreviated sha', { pushes: [{ ...push, before: 'abc1234' }] }, 'pushes.0.before', /^pushes\.0\.before: expected a 40- or 64-character lowercase hex object name$/],
      ['no commits', { pushes: [{ ...push, commits: undefined }] }, 'pushes.0.commits', /^pushes\.0\.commits: .*expected array, received undefined$/],
      ['a commit sha in capitals', { pushes: [{ ...push, commits: [{ ...push.commits[0], sha: sha.toUpperCase() }] }] }, 'pushes.0.commits.0.sha', /^pushes\.0\.commits\.0\.sha: expected a 40- or 64-character lowercase hex object name/],
      ['a commit with no message', { pushes: [{ ...push, commits: [{ sha, author: 'M' }] }] }, 'pushes.0.commits.0.message', /^pushes\.0\.commits\.0\.message: .*expected string, received undefined$/],
      ['an unknown field', { pushes: [{ ...push, sneaky: true }] }, 'pushes.0.sneaky', /^pushes\.0\.sneaky: unknown field$/],
      ['a negative total', { pushes: [{ ...push, totalCommits: -1 }] }, 'pushes.0.totalCommits', /^pushes\.0\.totalCommits: .*>=0$/],
      ['an empty pusher', { pushes: [{ ...push, pusher: '' }] }, 'pushes.0.pusher', /^pushes\.0\.pusher: .*>=1 characters$/],
    ];
    for (const [what, body, field, error] of cases) {
      const r = await post(body);
      expect(r.status, what).toBe(400);
      expect(r.body.field, what).toBe(field);
      expect(r.body.error, what).toMatch(error);
      expect(r.body.error, what).not.toContain('\n');
    }
    expect(s.footprint()).toEqual(before);
    expect((await s.ticket(1)).ticket.status).toBe('open');

    // The control: the same push, well-formed and authorised, is taken.
    expect(await post({ pushes: [push] })).toEqual({
      status: 200,
      body: { pushes: [{ repo: 'app', ref: 'refs/heads/main', deleted: false, duplicate: false, commits: 1, linked: [], closed: [1], noted: [], unknown: [] }] },
    });
  });
});

// ─── 8. a big push ──────────────────────────────────────────────────────────

describe('a 300-commit push', () => {
  it('links every referenced ticket and posts one condensed line', async () => {
    const s = await stageWithTickets(30);
    const base = s.head();
    // fast-import makes the 300 commits in one process; every 10th refs a ticket (#1 … #30).
    let stream = '';
    for (let i = 1; i <= 300; i++) {
      const msg = i % 10 === 0 ? `bulk change ${i}\n\nrefs #${i / 10}\n` : `bulk change ${i}\n`;
      stream += `commit refs/heads/main\nmark :${i}\nauthor Bulk Bot <bulk@example.com> ${1_700_000_000 + i} +0000\n`;
      stream += `committer Bulk Bot <bulk@example.com> ${1_700_000_000 + i} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`;
      stream += i === 1 ? `from ${base}\n\n` : `from :${i - 1}\n\n`;
    }
    s.git(['fast-import', '--quiet', '--force'], stream);
    s.git(['reset', '-q', '--hard', 'main']);
    const shas = s.git(['rev-list', '--reverse', `${base}..main`]).split('\n');
    expect(shas).toHaveLength(300);

    const r = await s.push('main');
    expect(r.hookStatus).toBe(0);
    expect(r.remote).toEqual([`opsbridge: app/main: 300 commits, ${Array.from({ length: 30 }, (_, i) => `#${i + 1} linked`).join(', ')}`]);

    for (let t = 1; t <= 30; t++) {
      const v = await s.ticket(t);
      expect(v.ticket.status, `#${t}`).toBe('open');
      expect(v.commits, `#${t}`).toEqual([expect.objectContaining({ sha: shas[t * 10 - 1], action: 'link', author: 'Bulk Bot', subject: `bulk change ${t * 10}` })]);
      expect(kinds(v), `#${t}`).toEqual(['created', 'commit']);
    }
    expect(s.count('ticket_commits')).toBe(30);

    const line = s.pushLines().at(-1)!;
    expect(line.lines).toBe(1);
    expect(line.text).toBe(
      `[app/main] alice pushed 300 commits: ${short(shas[9]!)} bulk change 10; ${short(shas[19]!)} bulk change 20; ${short(shas[29]!)} bulk change 30 …and 297 more` +
        ' → #1 linked, #2 linked, #3 linked, #4 linked, #5 linked, #6 linked …and 24 more',
    );
  });
});
