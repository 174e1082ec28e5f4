import { bold, code, join, line, link, richText, tone, type Inline } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { Sql } from '../../store/sql.js';
import { oneLine } from '../tickets/format.js';
import type { TicketService } from '../tickets/service.js';
import { isBranch, shortRef, ZERO_SHA, type Push, type PushedCommit } from './push.js';
import { parseReferences, type ReferenceKeywords } from './references.js';

export interface RepoSettings {
  name: string;
  /** Closing keywords close tickets only on this branch. */
  default_branch: string;
  /** Where the push line goes. */
  channel?: string | undefined;
  /** Webhooks for this repository must be signed with it (GitLab: sent as the token). */
  secret?: string | undefined;
  /** `https://git.example.com/app/commit/{sha}`: links for commits the hook sends (webhooks carry their own). */
  commit_url?: string | undefined;
}

export interface PushOutcome {
  /** The same ref update was processed before (a redelivered webhook, a re-run hook): nothing was done. */
  duplicate: boolean;
  commits: number;
  /** Tickets that got a new link, closed by this push, and noted as rewritten. */
  linked: number[];
  closed: number[];
  noted: number[];
  /** Referenced ticket numbers that do not exist. */
  unknown: number[];
  /** The ref was deleted. */
  deleted: boolean;
}

/** Commits (or refs) listed in the push line; the rest are counted. */
const LISTED = 3;
/** A push updating more refs than this gets one line for all of them. */
const MANY_REFS = 3;

/**
 * The dedup of ref updates: the primary key (repo, ref, before, after) lets a
 * ref update in once. Checked by `changes` in the push's transaction, so two
 * nodes given the same webhook (PostgreSQL: the second waits on the key until
 * the first commits) post it once.
 */
const RECORD_PUSH = `INSERT INTO git_pushes (repo, ref, before_sha, after_sha, pusher, commits, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT DO NOTHING`;

/**
 * Pushes from the hook or a webhook: link the tickets commits reference,
 * close those a closing keyword names once it reaches the default branch,
 * note rewritten history, and post one line to the repository's channel.
 * A push is one transaction, and the same ref update seen twice is done once.
 */
export class GitService {
  constructor(private readonly deps: { db: Sql; clock: Clock; tickets: TicketService; outbox: Outbox; repos: readonly RepoSettings[]; keywords: ReferenceKeywords }) {}

  repo(name: string): RepoSettings | undefined {
    return this.deps.repos.find((r) => r.name === name);
  }

  repos(): readonly RepoSettings[] {
    return this.deps.repos;
  }

  /**
   * The ref updates of one `git push`, in one transaction: all of them are
   * stored, or none. Each gets its line in the repository's channel; a push
   * of many refs at once (`git push --tags`, a mirror) gets one line for all.
   */
  async ingest(pushes: readonly Push[]): Promise<PushOutcome[]> {
    return this.deps.db.tx(async () => {
      const done: { repo: RepoSettings; push: Push; outcome: PushOutcome; line: Inline[] }[] = [];
      for (const raw of pushes) {
        const repo = this.repo(raw.repo);
        if (!repo) throw new Error(`unknown repository ${raw.repo}`);
        // Names come from commits and forges: one line each in chat, whatever they hold.
        const push = { ...raw, pusher: oneLine(raw.pusher, 100), commits: raw.commits.map((c) => ({ ...c, author: oneLine(c.author, 100) })) };
        done.push({ repo, push, ...(await this.ingestOne(repo, push)) });
      }
      const posted = done.filter((d) => !d.outcome.duplicate && d.repo.channel);
      if (posted.length > MANY_REFS) {
        for (const [channel, group] of groupBy(posted, (d) => d.repo.channel!)) await this.deps.outbox.enqueue({ channel, body: richText(line(...manyRefsLine(group))) });
      } else {
        for (const d of posted) await this.deps.outbox.enqueue({ channel: d.repo.channel!, body: richText(line(...d.line)) });
      }
      return done.map((d) => d.outcome);
    });
  }

  private async ingestOne(repo: RepoSettings, push: Push): Promise<{ outcome: PushOutcome; line: Inline[] }> {
    const outcome: PushOutcome = { duplicate: false, deleted: push.after === ZERO_SHA, commits: push.commits.length, linked: [], closed: [], noted: [], unknown: [] };
    const recorded = await this.deps.db.run(RECORD_PUSH, [push.repo, push.ref, push.before, push.after, push.pusher, push.totalCommits ?? push.commits.length, this.deps.clock.now().toISOString()]);
    const fresh = recorded.changes === 1;
    if (!fresh) return { outcome: { ...outcome, duplicate: true }, line: [] };
    const { tickets } = this.deps;
    const where = `${repo.name}/${shortRef(push.ref)}`;
    const onDefault = push.ref === `refs/heads/${repo.default_branch}`;
    const referencing = new Set<string>();
    const linkedCommits = new Map<number, { sha: string; subject: string }[]>();
    for (const c of push.commits) {
      const refs = parseReferences(c.message, this.deps.keywords);
      if (refs.length === 0) continue;
      const subject = oneLine(c.message.split('\n')[0] ?? '', 120);
      const url = c.url ?? repo.commit_url?.replace('{sha}', c.sha) ?? null;
      for (const r of refs) {
        const result = await tickets.recordCommit(r.ticket, { repo: repo.name, sha: c.sha, author: c.author, subject, url, where }, r.action, r.action === 'close' && onDefault);
        if (result === null) outcome.unknown.push(r.ticket);
        else if (result === 'closed') outcome.closed.push(r.ticket);
        else if (result === 'linked') {
          outcome.linked.push(r.ticket);
          linkedCommits.set(r.ticket, [...(linkedCommits.get(r.ticket) ?? []), { sha: c.sha, subject }]);
        }
      }
      referencing.add(c.sha);
    }
    // Webhooks do not list what a force-push or deletion dropped, but the old head is certainly gone from the ref.
    const removed = push.removed ?? ((push.forced || outcome.deleted) && push.before !== ZERO_SHA ? [push.before] : []);
    if (removed.length > 0) {
      const deleted = push.after === ZERO_SHA;
      const what = deleted ? `was on ${where}, deleted by ${push.pusher}` : `is no longer on ${where} after a force-push by ${push.pusher}`;
      outcome.noted = [...new Set(await tickets.noteRemoved(repo.name, removed, what, push.pusher))];
    }
    outcome.linked = [...new Set(outcome.linked)].filter((t) => !outcome.closed.includes(t));
    // Closing told the watchers already; a link is one notice per ticket, not one per commit.
    for (const t of outcome.linked) await tickets.notifyCommits(t, push.pusher, where, linkedCommits.get(t)!);
    outcome.closed = [...new Set(outcome.closed)];
    outcome.unknown = [...new Set(outcome.unknown)];
    return { outcome, line: pushLine(push, where, outcome, referencing) };
  }
}

/** `[app] alice pushed 12 refs: main (3 commits), v1.2 (new tag), … → #42 closed`. */
function manyRefsLine(group: readonly { repo: RepoSettings; push: Push; outcome: PushOutcome }[]): Inline[] {
  const first = group[0]!;
  const refs = group.map(({ push, outcome }) => {
    const n = push.totalCommits ?? push.commits.length;
    const what = outcome.deleted ? 'deleted' : push.before === ZERO_SHA ? (isBranch(push.ref) ? 'new branch' : 'new tag') : `${n} commit${n === 1 ? '' : 's'}`;
    return `${shortRef(push.ref)} (${what})`;
  });
  const all: PushOutcome = {
    duplicate: false, deleted: false, commits: 0,
    linked: [...new Set(group.flatMap((g) => g.outcome.linked))], closed: [...new Set(group.flatMap((g) => g.outcome.closed))],
    noted: [...new Set(group.flatMap((g) => g.outcome.noted))], unknown: [],
  };
  const shown = refs.slice(0, LISTED);
  return [
    bold(`[${first.repo.name}]`), ' ', `${first.push.pusher} pushed ${group.length} refs: ${shown.join(', ')}`,
    ...(refs.length > shown.length ? [tone('muted', ` …and ${refs.length - shown.length} more`)] : []),
    ...ticketsPart(all),
  ];
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) m.set(key(t), [...(m.get(key(t)) ?? []), t]);
  return m;
}

/** `[app/main] alice pushed 3 commits: a1b2c3d fix disk check (fixes #42) → #42 closed`. */
function pushLine(push: Push, where: string, o: PushOutcome, referencing: ReadonlySet<string>): Inline[] {
  const head = bold(`[${where}]`);
  if (push.after === ZERO_SHA) return [head, ' ', `${push.pusher} deleted ${isBranch(push.ref) ? 'the branch' : 'the tag'}`, ...ticketsPart(o)];
  const total = push.totalCommits ?? push.commits.length;
  const verb = push.forced ? 'force-pushed' : 'pushed';
  const created = push.before === ZERO_SHA ? (isBranch(push.ref) ? ' (new branch)' : ' (new tag)') : '';
  if (total === 0) return [head, ' ', `${push.pusher} ${verb} ${push.after.slice(0, 7)}${created}`, ...ticketsPart(o)];
  const shown = pickListed(push.commits, referencing);
  const parts: Inline[] = [];
  for (const c of shown) {
    if (parts.length > 0) parts.push('; ');
    parts.push(code(c.sha.slice(0, 7)), ' ', oneLine(c.message.split('\n')[0] ?? '', 60));
  }
  const more = total - shown.length;
  return [
    head, ' ', `${push.pusher} ${verb} ${total} commit${total === 1 ? '' : 's'}${created}: `, ...parts,
    ...(more > 0 ? [tone('muted', ` …and ${more} more`)] : []),
    ...(push.compareUrl ? [' ', link(push.compareUrl)] : []),
    ...ticketsPart(o),
  ];
}

/** The commits the line names: those that reference tickets first (that is news), then the newest. */
function pickListed(commits: readonly PushedCommit[], referencing: ReadonlySet<string>): PushedCommit[] {
  const first = commits.filter((c) => referencing.has(c.sha));
  const rest = commits.filter((c) => !referencing.has(c.sha)).reverse();
  return [...first, ...rest].slice(0, LISTED);
}

function ticketsPart(o: PushOutcome): Inline[] {
  const parts = [
    ...o.closed.map((t) => `#${t} closed`),
    ...o.linked.map((t) => `#${t} linked`),
    ...o.noted.map((t) => `#${t} noted (${o.deleted ? 'its commit left with the branch' : 'history rewritten'})`),
  ];
  if (parts.length === 0) return [];
  const shown = parts.slice(0, 6);
  return join([' →', shown.join(', '), parts.length > shown.length && `…and ${parts.length - shown.length} more`]);
}
