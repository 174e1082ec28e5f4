import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ZERO_SHA, type Push, type PushedCommit } from '../../domain/git/push.js';
import { UserError } from '../../errors.js';

/**
 * The `post-receive` side of `opsbridge git-hook`: turns the hook's stdin
 * (`<old> <new> <ref>` per updated ref) into the neutral push model, asking
 * the repository itself (real `git`, no shell) which commits each update
 * brought and which ones it made unreachable.
 *
 * It runs after the refs are updated, so "the repository before the push" is
 * reconstructed as: every ref this push did not touch, plus the old value of
 * every ref it did touch.
 */

export interface CollectPushesOptions {
  /** The repository (bare or not): its git directory. Relative paths are resolved against the process's cwd. */
  gitDir: string;
  /** The hook's stdin: one `<old> <new> <ref>` line per updated ref; blank lines are ignored. */
  input: string;
  /** The repository's name in `git.repos`. */
  repo: string;
  /** Branch name (`main`) whose pushes list every commit new to it, not only commits new to the repository. */
  defaultBranch: string;
  pusher: string;
  /** Commit messages longer than this many UTF-8 bytes are cut (on a character boundary). Default 16 KiB. */
  maxMessageBytes?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;

/** One line of the hook's input. */
interface RefUpdate {
  /** 1-based line number in the input, for error messages. */
  line: number;
  old: string;
  new: string;
  ref: string;
}

const HEX = /^[0-9a-f]+$/;
/** SHA-1 and SHA-256 object names. */
const ID_LENGTHS = new Set([40, 64]);

export async function collectPushes(opts: CollectPushesOptions): Promise<Push[]> {
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) {
    throw new RangeError(`maxMessageBytes must be a positive integer, got ${maxMessageBytes}`);
  }
  const updates = parseHookInput(opts.input);
  if (updates.length === 0) return [];
  const git = new Git(resolve(opts.gitDir));
  const idLength = updates[0]!.old.length;
  const zero = '0'.repeat(idLength);
  const defaultRef = opts.defaultBranch.startsWith('refs/') ? opts.defaultBranch : `refs/heads/${opts.defaultBranch}`;

  // Every old and new id, peeled to the commit it names (or to nothing: a tag of a tree or blob).
  const commitOf = await git.peelToCommits(updates, zero);

  // Updates are attributed in this order: the default branch first, then the input's order. A commit new to
  // the repository that several updated refs contain is listed under the first of them only (and not under
  // the others when the default branch lists it), so pushing `main` with a tag on its new tip, or the same
  // new commits to two new branches at once, lists each commit once rather than never.
  const order = [...updates.filter((u) => u.ref === defaultRef), ...updates.filter((u) => u.ref !== defaultRef)];

  // The tips of the repository as it was before this push: untouched refs, and the old ids of touched ones.
  let before: Set<string> | undefined;
  const repositoryBefore = async () => {
    const touched = new Set(updates.map((u) => u.ref));
    const tips = new Set<string>();
    for (const [ref, id] of await git.refs()) if (!touched.has(ref)) tips.add(id);
    for (const u of updates) if (u.old !== zero) tips.add(u.old);
    return tips;
  };
  const pushes = new Map<RefUpdate, Push>();
  for (const [rank, u] of order.entries()) {
    const oldCommit = u.old === zero ? undefined : commitOf.get(u.old);
    const newCommit = u.new === zero ? undefined : commitOf.get(u.new);
    const created = u.old === zero;
    const deleted = u.new === zero;

    let forced = false;
    if (!created && !deleted) {
      if (oldCommit && newCommit) forced = !(await git.isAncestor(oldCommit, newCommit));
      else forced = oldCommit !== undefined; // a tag moved off a commit history onto a tree or blob
    }

    let commits: PushedCommit[] = [];
    if (newCommit) {
      if (u.ref === defaultRef && oldCommit) {
        // New to the branch, even if the repository had them (a merged feature branch): closing keywords close here.
        commits = await git.commits([newCommit, `^${oldCommit}`], [], idLength, maxMessageBytes);
      } else {
        // New to the repository: not reachable from the repository as it was, nor from refs listed before this one.
        before ??= await repositoryBefore();
        const exclude = new Set(before);
        for (const x of order.slice(0, rank)) if (x.new !== zero) exclude.add(x.new);
        commits = await git.commits([newCommit], [...exclude].map((id) => `^${id}`), idLength, maxMessageBytes);
      }
    }

    // What a force-push or deletion left unreachable from every ref (and HEAD).
    const removed = (forced || deleted) && oldCommit ? await git.unreachable(oldCommit, idLength) : [];

    pushes.set(u, {
      repo: opts.repo,
      ref: u.ref,
      before: created ? ZERO_SHA : u.old,
      after: deleted ? ZERO_SHA : u.new,
      pusher: opts.pusher,
      forced,
      commits,
      removed,
    });
  }
  return updates.map((u) => pushes.get(u)!);
}

function parseHookInput(input: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  const expected = 'expected "<old-id> <new-id> <ref>" as git gives a post-receive hook on stdin';
  for (const [i, raw] of input.split('\n').entries()) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') continue;
    const line = i + 1;
    const m = /^(\S+) (\S+) (\S+)$/.exec(text);
    if (!m) throw new UserError(`line ${line}: ${expected}, got ${quote(text)}`);
    const old = m[1]!.toLowerCase();
    const neu = m[2]!.toLowerCase();
    const ref = m[3]!;
    for (const id of [old, neu]) {
      if (!HEX.test(id) || !ID_LENGTHS.has(id.length)) {
        throw new UserError(`line ${line}: ${quote(id)} is not an object name (40 or 64 hex digits); ${expected}`);
      }
    }
    if (old.length !== neu.length) throw new UserError(`line ${line}: the old and new ids differ in length; ${expected}`);
    if (updates.length > 0 && old.length !== updates[0]!.old.length) {
      throw new UserError(`line ${line}: ids of ${old.length} hex digits, but line ${updates[0]!.line} has ${updates[0]!.old.length}`);
    }
    if (!ref.startsWith('refs/')) throw new UserError(`line ${line}: ${quote(ref)} is not a full ref name (refs/…); ${expected}`);
    if (/^0+$/.test(old) && /^0+$/.test(neu)) throw new UserError(`line ${line}: both ids are zero; ${expected}`);
    updates.push({ line, old, new: neu, ref });
  }
  return updates;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

/** The longest prefix of `buf` of at most `max` bytes that does not split a UTF-8 character. */
function truncateUtf8(buf: Buffer, max: number): string {
  if (buf.length <= max) return buf.toString('utf8');
  let cut = max;
  while (cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return buf.subarray(0, cut).toString('utf8');
}

/** rev-list record: sha, author name, author date (ISO 8601 strict), raw message; each NUL-terminated. */
const COMMIT_FORMAT = '--format=%H%x00%an%x00%aI%x00%B%x00';
const AUTHOR_CAP = 4096;
/** Most of a git command's output that is collected in memory (commit lists are streamed instead). */
const MAX_OUTPUT = 512 * 1024 * 1024;

interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

class Git {
  constructor(private readonly gitDir: string) {}

  /** Maps every non-zero id of the updates to the commit it peels to; ids that peel to no commit are left out. */
  async peelToCommits(updates: RefUpdate[], zero: string): Promise<Map<string, string>> {
    const ids = [...new Set(updates.flatMap((u) => [u.old, u.new]))].filter((id) => id !== zero);
    const input = ids.map((id) => `${id}\n${id}^{commit}\n`).join('');
    const res = await this.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { stdin: input });
    this.check(res, 'cat-file');
    const lines = res.stdout.toString('utf8').split('\n');
    const peeled = new Map<string, string>();
    for (const [i, id] of ids.entries()) {
      const [exists, commit] = [lines[2 * i] ?? '', lines[2 * i + 1] ?? ''];
      if (exists.endsWith(' missing') || exists.endsWith(' ambiguous')) {
        const u = updates.find((x) => x.old === id || x.new === id)!;
        throw new UserError(`line ${u.line}: ${id} is not an object in ${this.gitDir}; give the ids git gave the hook`);
      }
      const m = /^([0-9a-f]+) commit$/.exec(commit);
      if (m) peeled.set(id, m[1]!);
    }
    return peeled;
  }

  /** Every ref and the object it points at (not peeled: rev-list peels tags itself and ignores trees and blobs). */
  async refs(): Promise<Map<string, string>> {
    const res = await this.run(['for-each-ref', '--format=%(objectname) %(refname)']);
    this.check(res, 'for-each-ref');
    const refs = new Map<string, string>();
    for (const line of res.stdout.toString('utf8').split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
    }
    return refs;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const res = await this.run(['merge-base', '--is-ancestor', ancestor, descendant]);
    if (res.code === 0) return true;
    if (res.code === 1) return false;
    return this.fail(res, 'merge-base --is-ancestor');
  }

  /**
   * Commits reachable from `revs` and not from `negatives` (`^id` lines, fed on stdin so that
   * thousands of refs fit), oldest first, in one git process whose output is parsed as it streams.
   */
  async commits(revs: string[], negatives: string[], idLength: number, maxMessageBytes: number): Promise<PushedCommit[]> {
    const commits: PushedCommit[] = [];
    const splitter = new FieldSplitter([idLength + 1, AUTHOR_CAP, 64, maxMessageBytes + 1], (f) => {
      const sha = f[0]!.toString('latin1').replace(/^\n/, '');
      if (sha.length !== idLength || !HEX.test(sha)) throw new Error(`git rev-list gave an unexpected record starting ${quote(sha)}`);
      const commit: PushedCommit = { sha, author: truncateUtf8(f[1]!, AUTHOR_CAP), message: truncateUtf8(f[3]!, maxMessageBytes).replace(/\n+$/, '') };
      const time = f[2]!.toString('utf8');
      if (time) commit.time = time;
      commits.push(commit);
    });
    const res = await this.run(['rev-list', '--reverse', '--no-commit-header', COMMIT_FORMAT, ...revs, '--stdin'], {
      stdin: negatives.length ? `${negatives.join('\n')}\n` : '',
      onStdout: (chunk) => splitter.push(chunk),
    });
    this.check(res, 'rev-list');
    splitter.end();
    return commits;
  }

  /** Commits reachable from `commit` and from no ref (nor HEAD) any more, oldest first. */
  async unreachable(commit: string, idLength: number): Promise<string[]> {
    const res = await this.run(['rev-list', '--reverse', commit, '--not', '--all']);
    this.check(res, 'rev-list');
    return res.stdout
      .toString('latin1')
      .split('\n')
      .filter((l) => l.length === idLength);
  }

  private check(res: GitResult, what: string): void {
    if (res.code !== 0) this.fail(res, what);
  }

  private fail(res: GitResult, what: string): never {
    const stderr = res.stderr.trim();
    if (/not a git repository/i.test(stderr)) {
      throw new UserError(`${this.gitDir} is not a git repository; run opsbridge git-hook from a repository's post-receive hook`);
    }
    throw new Error(`git ${what} failed in ${this.gitDir} (exit ${res.code}): ${stderr || '(no message)'}`);
  }

  /** Runs git (no shell) on the repository; resolves with its exit code, whatever it is. */
  private run(args: string[], opts: { stdin?: string; onStdout?: (chunk: Buffer) => void } = {}): Promise<GitResult> {
    const argv = [`--git-dir=${this.gitDir}`, '-c', 'i18n.logOutputEncoding=UTF-8', ...args];
    return new Promise<GitResult>((resolvePromise, reject) => {
      const child = spawn('git', argv, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      const out: Buffer[] = [];
      let outLength = 0;
      let stderr = '';
      let failure: Error | undefined;
      const abort = (err: Error) => {
        failure ??= err;
        child.kill();
      };
      child.stdout.on('data', (chunk: Buffer) => {
        if (failure) return;
        try {
          if (opts.onStdout) return opts.onStdout(chunk);
          outLength += chunk.length;
          if (outLength > MAX_OUTPUT) throw new Error(`git ${args[0]} printed more than ${MAX_OUTPUT} bytes`);
          out.push(chunk);
        } catch (err) {
          abort(err as Error);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
      });
      // git may exit before reading all of stdin (an error): that is reported by its exit code, not EPIPE.
      child.stdin.on('error', () => {});
      child.on('error', (err) => abort(new Error(`cannot run git: ${err.message}`)));
      child.on('close', (code, signal) => {
        if (failure) return reject(failure);
        resolvePromise({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr });
      });
      child.stdin.end(opts.stdin ?? '');
    });
  }
}

/**
 * Splits a byte stream into NUL-terminated fields, `caps.length` per record, keeping at most
 * `caps[i]` bytes of field i (the rest is dropped as it streams by: a huge message costs no memory).
 */
class FieldSplitter {
  private fields: Buffer[] = [];
  private parts: Buffer[] = [];
  private kept = 0;
  private pending = 0;

  constructor(
    private readonly caps: number[],
    private readonly onRecord: (fields: Buffer[]) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nul = chunk.indexOf(0, start);
      this.append(chunk.subarray(start, nul === -1 ? chunk.length : nul));
      if (nul === -1) return;
      this.fields.push(Buffer.concat(this.parts, this.kept));
      this.parts = [];
      this.kept = 0;
      this.pending = 0;
      if (this.fields.length === this.caps.length) {
        const record = this.fields;
        this.fields = [];
        this.onRecord(record);
      }
      start = nul + 1;
    }
  }

  /** After the last chunk: only the final record's newline may be left. */
  end(): void {
    const rest = Buffer.concat(this.parts, this.kept).toString('latin1');
    if (this.fields.length > 0 || this.pending !== this.kept || rest.replace(/\n/g, '') !== '') {
      throw new Error('git rev-list output ended in the middle of a commit record');
    }
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending += bytes.length;
    const room = this.caps[this.fields.length]! - this.kept;
    if (room <= 0) return;
    const take = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.parts.push(Buffer.from(take));
    this.kept += take.length;
  }
}
