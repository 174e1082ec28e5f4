import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { validate } from '../validate.js';
import { objectName, type Push, type PushedCommit } from '../domain/git/push.js';

/**
 * Push webhooks from GitHub, GitLab and Gitea/Forgejo (and Gogs, whose
 * headers and payload Gitea kept): which forge sent a request, whether it
 * carries the repository's secret, and the push it describes. Payloads are
 * checked field by field, but unknown fields are allowed: forges add fields
 * between versions, and a new one must not make pushes bounce.
 */

export type Forge = 'github' | 'gitlab' | 'gitea';

export type WebhookEvent = { kind: 'push'; push: Push } | { kind: 'ping' } | { kind: 'ignored'; event: string };

const EVENT_HEADERS: Record<Forge, readonly string[]> = {
  github: ['x-github-event'],
  gitlab: ['x-gitlab-event'],
  gitea: ['x-gitea-event', 'x-forgejo-event', 'x-gogs-event'],
};

const PUSH_EVENTS: Record<Forge, readonly string[]> = {
  github: ['push'],
  gitlab: ['Push Hook', 'Tag Push Hook'],
  gitea: ['push'],
};

/** Node joins a repeated header into one string; an array (hand-built headers) is not a value we can trust, so it counts as absent. */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

const firstHeader = (headers: IncomingHttpHeaders, names: readonly string[]): string | undefined =>
  names.map((n) => header(headers, n)).find((v) => v !== undefined);

/** Gitea and Forgejo also send GitHub's headers (`X-GitHub-Event`, `X-Hub-Signature-256`), so they are recognised first. */
export function detectForge(headers: IncomingHttpHeaders): Forge | null {
  if (firstHeader(headers, [...EVENT_HEADERS.gitea, 'x-gitea-signature']) !== undefined) return 'gitea';
  if (firstHeader(headers, EVENT_HEADERS.gitlab) !== undefined) return 'gitlab';
  if (firstHeader(headers, EVENT_HEADERS.github) !== undefined) return 'github';
  return null;
}

/** The pattern fixes the length first, so timingSafeEqual always compares two 32-byte digests. */
function hmacMatches(hex: string | undefined, rawBody: Buffer, secret: string): boolean {
  if (hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) return false;
  return timingSafeEqual(Buffer.from(hex, 'hex'), createHmac('sha256', secret).update(rawBody).digest());
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether a request carries the forge's signature (or token) at all: checked before its body is read. */
export function hasSignature(forge: Forge, headers: IncomingHttpHeaders): boolean {
  const names = { github: ['x-hub-signature-256'], gitlab: ['x-gitlab-token'], gitea: ['x-gitea-signature', 'x-forgejo-signature', 'x-gogs-signature'] }[forge];
  return Boolean(firstHeader(headers, names));
}

export function verifySignature(forge: Forge, headers: IncomingHttpHeaders, rawBody: Buffer, secret: string): boolean {
  // With no secret set, Gitea signs with an empty key and GitLab sends no token: nothing would be proven.
  if (secret === '') return false;
  switch (forge) {
    case 'github': {
      const signature = header(headers, 'x-hub-signature-256');
      return signature?.startsWith('sha256=') === true && hmacMatches(signature.slice('sha256='.length), rawBody, secret);
    }
    case 'gitlab': {
      // GitLab sends the secret itself; comparing digests keeps its length from showing in the timing.
      const token = header(headers, 'x-gitlab-token');
      return token !== undefined && timingSafeEqual(sha256(token), sha256(secret));
    }
    case 'gitea':
      return hmacMatches(firstHeader(headers, ['x-gitea-signature', 'x-forgejo-signature', 'x-gogs-signature']), rawBody, secret);
  }
}

/** `o[key]` when `o` is a plain object that has that key itself; anything else gives undefined. */
function member(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && !Array.isArray(o) && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

const NAME_PATHS: Record<Forge, readonly (readonly [string, string])[]> = {
  github: [['repository', 'full_name'], ['repository', 'name']],
  gitlab: [['project', 'path_with_namespace'], ['project', 'name'], ['repository', 'name']],
  gitea: [['repository', 'full_name'], ['repository', 'name']],
};

/**
 * The names an unverified payload gives for its repository, most specific
 * first, so the route can look up the configured repository (and so its
 * secret) before verifying. Garbage gives an empty list.
 */
export function repoCandidates(forge: Forge, body: unknown): string[] {
  const names = NAME_PATHS[forge].map(([object, key]) => member(member(body, object), key));
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
}

const refName = z.string().startsWith('refs/', { error: 'expected a full ref name such as refs/heads/main' });

const commit = z.looseObject({
  id: objectName,
  message: z.string(),
  author: z.looseObject({ name: z.string() }),
  timestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected an ISO 8601 time' }).optional(),
  url: z.string().optional(),
});

const count = z.int().nonnegative();
const notAnObject = { error: 'expected a JSON object (a push event payload)' };
const refUpdate = { ref: refName, before: objectName, after: objectName };

const githubPush = z.looseObject({
  ...refUpdate,
  pusher: z.looseObject({ name: z.string() }),
  forced: z.boolean().optional(),
  commits: z.array(commit),
  compare: z.string().optional(),
}, notAnObject);

const gitlabPush = z.looseObject({
  ...refUpdate,
  // The tag push example in GitLab's docs has no user_username; user_name is always there.
  user_username: z.string().nullish(),
  user_name: z.string(),
  commits: z.array(commit),
  total_commits_count: count.optional(),
}, notAnObject);

const giteaPush = z.looseObject({
  ...refUpdate,
  pusher: z.looseObject({ login: z.string().optional(), username: z.string().optional() }).transform((u, ctx) => {
    const name = u.login || u.username;
    if (name) return name;
    ctx.issues.push({ code: 'custom', message: 'expected the pusher\'s login or username', input: u, path: ['login'] });
    return z.NEVER;
  }),
  // Gitea's PushPayload has no such field; should a version or fork add it, it counts.
  forced: z.boolean().optional(),
  // Go writes a nil slice as null.
  commits: z.array(commit).nullable(),
  // Since Gitea 1.18; before that only the (capped) list said how many.
  total_commits: count.optional(),
  compare_url: z.string().optional(),
}, notAnObject);

interface Fields {
  ref: string;
  before: string;
  after: string;
  pusher: string;
  forced: boolean;
  commits: z.infer<typeof commit>[];
  totalCommits?: number | undefined;
  compareUrl?: string | undefined;
}

function toCommit(c: z.infer<typeof commit>): PushedCommit {
  const out: PushedCommit = { sha: c.id, author: c.author.name, message: c.message };
  if (c.timestamp) out.time = c.timestamp;
  if (c.url) out.url = c.url;
  return out;
}

/**
 * GitHub lists commits oldest first; Gitea newest first (go-gitea/gitea#21252);
 * GitLab documents oldest first but its "Test" button sends newest first, and
 * some versions are reported to as well. The pushed head (`after`) is the
 * newest commit, so a list that starts with it is turned around.
 */
function oldestFirst(commits: PushedCommit[], after: string): PushedCommit[] {
  return commits.length > 1 && commits[0]!.sha === after ? commits.reverse() : commits;
}

function toPush(repo: string, f: Fields): Push {
  const push: Push = {
    repo,
    ref: f.ref,
    before: f.before,
    after: f.after,
    pusher: f.pusher,
    forced: f.forced,
    commits: oldestFirst(f.commits.map(toCommit), f.after),
  };
  if (f.totalCommits !== undefined) push.totalCommits = f.totalCommits;
  // Gitea sends an empty compare_url for a deleted branch.
  if (f.compareUrl) push.compareUrl = f.compareUrl;
  return push;
}

const PARSERS: Record<Forge, (body: unknown, repo: string) => Push> = {
  github(body, repo) {
    const p = validate(githubPush, body);
    return toPush(repo, { ...p, pusher: p.pusher.name, forced: p.forced ?? false, compareUrl: p.compare });
  },
  gitlab(body, repo) {
    const p = validate(gitlabPush, body);
    return toPush(repo, { ...p, pusher: p.user_username || p.user_name, forced: false, totalCommits: p.total_commits_count });
  },
  gitea(body, repo) {
    const p = validate(giteaPush, body);
    return toPush(repo, { ...p, forced: p.forced ?? false, commits: p.commits ?? [], totalCommits: p.total_commits, compareUrl: p.compare_url });
  },
};

/**
 * What a verified request is. `repo` is the configured repository's name
 * (from `git.repos`), which the push carries. A malformed push payload throws
 * an InputError naming the field.
 */
export function parseWebhook(forge: Forge, headers: IncomingHttpHeaders, body: unknown, repo: string): WebhookEvent {
  const event = firstHeader(headers, EVENT_HEADERS[forge]) ?? '';
  if (forge === 'github' && event === 'ping') return { kind: 'ping' };
  if (!PUSH_EVENTS[forge].includes(event)) return { kind: 'ignored', event };
  return { kind: 'push', push: PARSERS[forge](body, repo) };
}
