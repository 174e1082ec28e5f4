import { bold, code, join, line, link, richText, tone, type Inline } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { DB } from '../../store/database.js';
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

/** Commits listed in the push line; the rest are counted. */
const LISTED = 3;

/**
 * Pushes from the hook or a webhook: link the tickets commits reference,
 * close those a closing keyword names once it reaches the default branch,
 * note rewritten history, and post one line to the repository's channel.
 * A push is one transaction, and the same ref update seen twice is done once.
 */
export class GitService {
  private readonly q;

  constructor(private readonly deps: { db: DB; clock: Clock; tickets: TicketService; outbox: Outbox; repos: readonly RepoSettings[]; keywords: ReferenceKeywords }) {
    this.q = {
      push: deps.db.prepare(`INSERT INTO git_pushes (repo, ref, before_sha, after_sha, pusher, commits, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`),
    };
  }

  repo(name: string): RepoSettings | undefined {
    return this.deps.repos.find((r) => r.name === name);
  }

  repos(): readonly RepoSettings[] {
    return this.deps.repos;
  }

  /** The ref updates of one `git push`, in one transaction: all of them are stored, or none. */
  ingest(pushes: readonly Push[]): PushOutcome[] {
    return this.deps.db.transaction(() =>
      pushes.map((push) => {
        const repo = this.repo(push.repo);
        if (!repo) throw new Error(`unknown repository ${push.repo}`);
        return this.ingestOne(repo, push);
      }),
    )();
  }

  private ingestOne(repo: RepoSettings, push: Push): PushOutcome {
    const outcome: PushOutcome = { duplicate: false, deleted: push.after === ZERO_SHA, commits: push.commits.length, linked: [], closed: [], noted: [], unknown: [] };
    const fresh = this.q.push.run(push.repo, push.ref, push.before, push.after, push.pusher, push.totalCommits ?? push.commits.length, this.deps.clock.now().toISOString()).changes === 1;
    if (!fresh) return { ...outcome, duplicate: true };
    const { tickets } = this.deps;
    const where = `${repo.name}/${shortRef(push.ref)}`;
    const onDefault = push.ref === `refs/heads/${repo.default_branch}`;
    const referencing = new Set<string>();
    for (const c of push.commits) {
      const refs = parseReferences(c.message, this.deps.keywords);
      if (refs.length === 0) continue;
      const subject = oneLine(c.message.split('\n')[0] ?? '', 120);
      const url = c.url ?? repo.commit_url?.replace('{sha}', c.sha) ?? null;
      for (const r of refs) {
        const result = tickets.recordCommit(r.ticket, { repo: repo.name, sha: c.sha, author: c.author, subject, url, where }, r.action, r.action === 'close' && onDefault);
        if (result === null) outcome.unknown.push(r.ticket);
        else if (result === 'closed') outcome.closed.push(r.ticket);
        else if (result === 'linked') outcome.linked.push(r.ticket);
      }
      referencing.add(c.sha);
    }
    // Webhooks do not list what a force-push dropped, but the old head is certainly gone from the ref.
    const removed = push.removed ?? (push.forced && push.before !== ZERO_SHA ? [push.before] : []);
    if (removed.length > 0) {
      const deleted = push.after === ZERO_SHA;
      const what = deleted ? `was on ${where}, deleted by ${push.pusher}` : `is no longer on ${where} after a force-push by ${push.pusher}`;
      outcome.noted = [...new Set(tickets.noteRemoved(repo.name, removed, what, push.pusher))];
    }
    outcome.linked = [...new Set(outcome.linked)].filter((t) => !outcome.closed.includes(t));
    outcome.closed = [...new Set(outcome.closed)];
    outcome.unknown = [...new Set(outcome.unknown)];
    if (repo.channel) this.deps.outbox.enqueue({ channel: repo.channel, body: richText(line(...pushLine(push, where, outcome, referencing))) });
    return outcome;
  }
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
