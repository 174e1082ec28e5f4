import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RichText } from '../../src/chat/rich-text.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';

/**
 * Push webhooks from GitHub, GitLab and Gitea into the whole bot, over real
 * HTTP: signed with each repository's own secret, checked before anything is
 * stored, turned into ticket links, closes, force-push notes and one push
 * line per push. GitHub's payloads are its own examples from
 * `@octokit/webhooks-examples`; GitLab's and Gitea's are the fixtures in
 * test/fixtures/git (see the README there).
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Json[] }[];
const githubExamples = (event: string): Json[] => structuredClone(definitions.find((d) => d.name === event)!.examples);
/** The push example with a commit: Codertocat/Hello-World, refs/heads/master, one commit 6113728 "Initial commit". */
const githubPush = (): Json => githubExamples('push').find((e) => e.commits.length > 0)!;

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'git');
const fixtureText = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const TOKEN = 'test-token-0123456789';
const GITHUB_SECRET = 'github secret for hello-world';
const GITLAB_SECRET = 'gitlab token for diaspora';
const GITEA_SECRET = 'gitea secret for webhooks';
const MIRROR_SECRET = 'mirror secret 0123456789';

const GITHUB_REPO = 'Codertocat/Hello-World';
const HEAD = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const ZERO = '0'.repeat(40);

let t: TestBot;
let base: string;

beforeAll(async () => {
  t = await startTestBot({
    // The default body limit is below GitHub's example push (≈7.7 kB): the push route has its own, git.max_push_bytes.
    http: { listen: '127.0.0.1:0', token: TOKEN, max_body_bytes: 4096 },
    roles: { admin: ['console'] },
    git: {
      max_push_bytes: 64 * 1024,
      repos: [
        { name: GITHUB_REPO, default_branch: 'master', channel: 'irc:#dev', secret: GITHUB_SECRET },
        { name: 'mike/diaspora', default_branch: 'master', channel: 'irc:#diaspora', secret: GITLAB_SECRET },
        { name: 'gitea/webhooks', default_branch: 'main', channel: 'irc:#gitea', secret: GITEA_SECRET },
        // GitLab's tag push example names jsmith/example: configured, but with no secret.
        { name: 'jsmith/example', channel: 'irc:#example' },
        { name: 'mirror', default_branch: 'master', channel: 'irc:#mirror', secret: MIRROR_SECRET },
      ],
    },
  });
  base = `http://127.0.0.1:${t.bot.http.port}`;
  // Tickets #1…#12: the commits below reference #1, #2 and (Gitea's fixture) #12.
  for (let i = 1; i <= 12; i++) {
    const ticket = await t.bot.core.services.tickets.create({ title: i === 12 ? 'Document push webhooks' : `ticket number ${i}`, reporter: { name: 'alice' } });
    expect(ticket.id).toBe(i);
  }
});
afterAll(async () => {
  await t?.stop();
});

const db = () => t.bot.core.db;
const count = async (table: string) => (await db().value<number>(`SELECT COUNT(*) FROM ${table}`))!;
/** Everything a push may write. */
const stored = async () => ({ ticket_commits: await count('ticket_commits'), ticket_events: await count('ticket_events'), git_pushes: await count('git_pushes'), outbox: await count('outbox') });
const postsTo = async (channel: string) =>
  (await db().column<string>('SELECT body FROM outbox WHERE channel = ? ORDER BY id', [channel])).map((b) => renderPlain(JSON.parse(b) as RichText));
const ticket = async (id: number) => (await t.bot.core.services.tickets.get(id))!;

const hmac = (algorithm: 'sha1' | 'sha256', body: string | Buffer, secret: string) => createHmac(algorithm, secret).update(body).digest('hex');

/** What GitHub sends with a delivery (lower-case, as on the wire it does not matter). */
function githubHeaders(event: string, body: string, secret = GITHUB_SECRET, delivery: string = randomUUID()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-delivery': delivery,
    'x-github-event': event,
    'x-github-hook-id': '292430182',
    'x-github-hook-installation-target-id': '79929171',
    'x-github-hook-installation-target-type': 'repository',
    'x-hub-signature': `sha1=${hmac('sha1', body, secret)}`,
    'x-hub-signature-256': `sha256=${hmac('sha256', body, secret)}`,
  };
}

function gitlabHeaders(event: string, token: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitLab/17.5.0',
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': randomUUID(),
    'x-gitlab-instance': 'https://gitlab.example.com',
    ...(token !== undefined && { 'x-gitlab-token': token }),
  };
}

/** What Gitea sends (services/webhook/deliver.go): its own headers, Gogs', and GitHub's, all signed alike. */
function giteaHeaders(event: string, body: string, secret = GITEA_SECRET): Record<string, string> {
  const delivery = randomUUID();
  const sig = hmac('sha256', body, secret);
  return {
    'content-type': 'application/json',
    'user-agent': 'Go-http-client/1.1',
    'x-gitea-delivery': delivery,
    'x-gitea-event': event,
    'x-gitea-event-type': event,
    'x-gitea-signature': sig,
    'x-gogs-delivery': delivery,
    'x-gogs-event': event,
    'x-gogs-event-type': event,
    'x-gogs-signature': sig,
    'x-hub-signature': `sha1=${hmac('sha1', body, secret)}`,
    'x-hub-signature-256': `sha256=${sig}`,
    'x-github-delivery': delivery,
    'x-github-event': event,
    'x-github-event-type': event,
  };
}

async function post(body: string | Buffer, headers: Record<string, string>, query = ''): Promise<{ status: number; headers: Headers; body: Json }> {
  // fetch's BodyInit wants bytes over a plain ArrayBuffer; a Buffer's may be shared, so it goes as a copy.
  const payload = typeof body === 'string' ? body : new Uint8Array(body);
  const r = await fetch(`${base}/api/v1/git/push${query}`, { method: 'POST', headers, body: payload });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Json };
}

async function getTicket(id: number): Promise<Json> {
  const r = await fetch(`${base}/api/v1/tickets/${id}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Json;
}

/** GitHub's push example, with `fixes #1` in its commit message (as the commit and as head_commit). */
function githubPushFixing1(): string {
  const p = githubPush();
  p.commits[0].message = 'Initial commit\n\nfixes #1';
  p.head_commit.message = p.commits[0].message;
  return JSON.stringify(p);
}

describe('GitHub push webhooks', () => {
  it('takes GitHub\'s example push signed with the repository\'s secret: 200, #1 closed on master, the commit URL kept, one push line', async () => {
    const before = await stored();
    const body = githubPushFixing1();
    expect(Buffer.byteLength(body)).toBeGreaterThan(4096); // over http.max_body_bytes, under git.max_push_bytes
    const r = await post(body, githubHeaders('push', body));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      pushes: [{ repo: GITHUB_REPO, ref: 'refs/heads/master', deleted: false, duplicate: false, commits: 1, linked: [], closed: [1], noted: [], unknown: [] }],
    });

    expect((await ticket(1)).status).toBe('closed');
    const one = await getTicket(1);
    expect(one.ticket).toMatchObject({ id: 1, status: 'closed', closed_at: expect.any(String) });
    const commitUrl = `https://github.com/${GITHUB_REPO}/commit/${HEAD}`;
    expect(one.commits).toEqual([
      { repo: GITHUB_REPO, sha: HEAD, action: 'close', author: 'Codertocat', subject: 'Initial commit', url: commitUrl, linked_at: expect.any(String), closed_at: expect.any(String) },
    ]);
    const timeline = one.timeline as Json[];
    expect(timeline.map((e) => e.kind)).toEqual(['created', 'commit', 'status']);
    expect(timeline[1]).toMatchObject({ actor: 'Codertocat', kind: 'commit', repo: GITHUB_REPO, sha: HEAD, url: commitUrl, body: `Codertocat: Initial commit (${GITHUB_REPO}/master)` });
    expect(timeline[2]).toMatchObject({
      actor: 'Codertocat', kind: 'status', old_value: 'open', new_value: 'closed', body: `closed by 6113728 in ${GITHUB_REPO}/master: Initial commit`,
    });

    expect(await postsTo('irc:#dev')).toEqual([`[${GITHUB_REPO}/master] Codertocat pushed 1 commit (new branch): 6113728 Initial commit ${commitUrl} → #1 closed`]);
    expect(await db().all('SELECT repo, ref, before_sha, after_sha, pusher, commits FROM git_pushes')).toEqual([
      { repo: GITHUB_REPO, ref: 'refs/heads/master', before_sha: ZERO, after_sha: HEAD, pusher: 'Codertocat', commits: 1 },
    ]);
    expect(await stored()).toEqual({
      ticket_commits: before.ticket_commits + 1,
      ticket_events: before.ticket_events + 2,
      git_pushes: before.git_pushes + 1,
      outbox: before.outbox + 1,
    });
  });

  it('answers a redelivery of the same push 200 duplicate, and does nothing again', async () => {
    const before = await stored();
    const body = githubPushFixing1();
    // GitHub's "Redeliver" sends the same body under a new delivery id.
    const r = await post(body, githubHeaders('push', body));
    expect(r.status).toBe(200);
    expect(r.body.pushes).toEqual([{ repo: GITHUB_REPO, ref: 'refs/heads/master', deleted: false, duplicate: true, commits: 1, linked: [], closed: [], noted: [], unknown: [] }]);
    expect(await stored()).toEqual(before);
    expect(await postsTo('irc:#dev')).toHaveLength(1);
  });

  it('answers a ping 200 and another event 202 ignored, storing nothing; a ping for an unconfigured repository is 404 naming it, one naming none is for the repository whose secret signed it', async () => {
    const before = await stored();
    const pings = githubExamples('ping');
    const repoPing = pings.find((p) => p.repository)!;
    expect(repoPing.repository.full_name).toBe('Octocoders/Hello-World');
    const pingBody = JSON.stringify(repoPing);

    const unknown = await post(pingBody, githubHeaders('ping', pingBody));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("no repository in git.repos for this github webhook (it names 'Octocoders/Hello-World'); add it, or put ?repo=NAME in the webhook URL");
    expect(unknown.body.field).toBe('repository');

    const pong = await post(pingBody, githubHeaders('ping', pingBody), `?repo=${encodeURIComponent(GITHUB_REPO)}`);
    expect(pong.status).toBe(200);
    expect(pong.body).toEqual({ ok: true, pong: GITHUB_REPO });

    // An organisation hook's ping names no repository: the one repository whose secret signed it is the one.
    const orgPing = JSON.stringify(pings.find((p) => !p.repository)!);
    const org = await post(orgPing, githubHeaders('ping', orgPing));
    expect(org.status).toBe(200);
    expect(org.body).toEqual({ ok: true, pong: GITHUB_REPO });

    const issue = githubExamples('issues')[0]!;
    expect(issue.repository.full_name).toBe(GITHUB_REPO);
    const issueBody = JSON.stringify(issue);
    const ignored = await post(issueBody, githubHeaders('issues', issueBody));
    expect(ignored.status).toBe(202);
    expect(ignored.body).toEqual({ ignored: 'issues' });

    expect(await stored()).toEqual(before);
  });

  it('refuses 401 a wrong secret, no signature, a signature of another body, SHA-1 only, or another repository\'s secret, and stores nothing', async () => {
    const p = githubPush();
    p.before = HEAD;
    p.after = 'b'.repeat(40);
    p.created = false;
    p.commits[0] = { ...p.commits[0], id: p.after, message: 'Rotate the logs daily\n\nfixes #2', url: `https://github.com/${GITHUB_REPO}/commit/${p.after}` };
    p.head_commit = p.commits[0];
    const body = JSON.stringify(p);
    const other = body.replace('fixes #2', 'fixes #3');
    const before = await stored();

    const { 'x-hub-signature-256': _256, ...noSignature } = githubHeaders('push', body);
    const { 'x-hub-signature-256': _, ...sha1Only } = githubHeaders('push', body);
    expect(sha1Only['x-hub-signature']).toBe(`sha1=${hmac('sha1', body, GITHUB_SECRET)}`);
    const refused: [string, string, Record<string, string>][] = [
      ['wrong secret', body, githubHeaders('push', body, 'not the secret at all')],
      ['no signature header', body, noSignature],
      ['signature of another body', body, githubHeaders('push', other)],
      ['SHA-1 signature only', body, sha1Only],
      ['SHA-1 digest in the SHA-256 header', body, { ...githubHeaders('push', body), 'x-hub-signature-256': `sha256=${hmac('sha1', body, GITHUB_SECRET)}` }],
      ['the GitLab repository\'s secret', body, githubHeaders('push', body, GITLAB_SECRET)],
      ['the mirror repository\'s secret', body, githubHeaders('push', body, MIRROR_SECRET)],
      ['a changed body under the right signature', other, githubHeaders('push', body)],
    ];
    for (const [what, sent, headers] of refused) {
      const r = await post(sent, headers);
      expect(r.status, what).toBe(401);
      // No SHA-256 signature at all is refused before the body is read.
      const unsigned = sent === body && headers['x-hub-signature-256'] === undefined;
      expect(r.body.error, what).toBe(unsigned ? "no signature: set the repository's secret (git.repos[].secret) in the github webhook" : 'the signature does not match the body and the secret');
    }
    expect(await stored()).toEqual(before);
    expect((await ticket(2)).status).toBe('open');
    expect((await ticket(3)).status).toBe('open');

    // The same request, signed right, goes through: it was only the signature.
    const ok = await post(body, githubHeaders('push', body));
    expect(ok.status).toBe(200);
    expect(ok.body.pushes[0]).toMatchObject({ duplicate: false, closed: [2] });
    expect((await ticket(2)).status).toBe('closed');
  });

  it('notes a force-push that took a ticket\'s commit off the branch in that ticket\'s timeline', async () => {
    const p = githubPush();
    // Force-pushed over the two heads above: its old head is 'bbbb…', whose commit referenced #2.
    p.before = 'b'.repeat(40);
    p.after = 'c'.repeat(40);
    p.created = false;
    p.forced = true;
    p.commits[0] = { ...p.commits[0], id: p.after, message: 'Rotate the logs weekly', url: `https://github.com/${GITHUB_REPO}/commit/${p.after}` };
    p.head_commit = p.commits[0];
    p.compare = `https://github.com/${GITHUB_REPO}/compare/${p.before.slice(0, 12)}...${p.after.slice(0, 12)}`;
    const body = JSON.stringify(p);
    const r = await post(body, githubHeaders('push', body));
    expect(r.status).toBe(200);
    expect(r.body.pushes).toEqual([{ repo: GITHUB_REPO, ref: 'refs/heads/master', deleted: false, duplicate: false, commits: 1, linked: [], closed: [], noted: [2], unknown: [] }]);

    const timeline = (await getTicket(2)).timeline as Json[];
    expect(timeline.at(-1)).toMatchObject({
      kind: 'force_push', actor: 'Codertocat', repo: GITHUB_REPO, sha: 'b'.repeat(40),
      body: `bbbbbbb is no longer on ${GITHUB_REPO}/master after a force-push by Codertocat`,
    });
    expect((await postsTo('irc:#dev')).at(-1)).toBe(`[${GITHUB_REPO}/master] Codertocat force-pushed 1 commit: ccccccc Rotate the logs weekly ${p.compare} → #2 noted (history rewritten)`);
    // The link stays: the commit did reference the ticket.
    expect((await getTicket(2)).commits).toHaveLength(1);
  });
});

describe('GitLab push webhooks', () => {
  const body = fixtureText('gitlab-push.json');

  it('refuses 401 a wrong, missing or another repository\'s X-Gitlab-Token, storing nothing', async () => {
    const before = await stored();
    // (Spaces around a header value are not part of it in HTTP, so a token with a trailing space is the token.)
    for (const token of ['wrong token', undefined, '', GITHUB_SECRET, GITLAB_SECRET.toUpperCase(), GITLAB_SECRET.slice(0, -1), `${GITLAB_SECRET}x`]) {
      const r = await post(body, gitlabHeaders('Push Hook', token));
      expect(r.status, String(token)).toBe(401);
      // No token at all is refused before the body is read.
      expect(r.body.error).toBe(token ? 'X-Gitlab-Token does not match the secret' : "no X-Gitlab-Token: set the repository's secret (git.repos[].secret) in the gitlab webhook");
    }
    expect(await stored()).toEqual(before);
  });

  it('takes the documented push example with the right token: 200, a push line that counts all 4 commits', async () => {
    const before = await stored();
    const r = await post(body, gitlabHeaders('Push Hook', GITLAB_SECRET));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.pushes).toEqual([{ repo: 'mike/diaspora', ref: 'refs/heads/master', deleted: false, duplicate: false, commits: 2, linked: [], closed: [], noted: [], unknown: [] }]);
    expect(await postsTo('irc:#diaspora')).toEqual(['[mike/diaspora/master] jsmith pushed 4 commits: da15608 fixed readme; b6568db Update Catalan translation to e38cb41. …and 2 more']);
    expect(await db().all("SELECT pusher, commits FROM git_pushes WHERE repo = 'mike/diaspora'")).toEqual([{ pusher: 'jsmith', commits: 4 }]);
    expect(await stored()).toEqual({ ...before, git_pushes: before.git_pushes + 1, outbox: before.outbox + 1 });
  });
});

describe('Gitea push webhooks', () => {
  const body = fixtureText('gitea-push.json');

  it('checks X-Gitea-Signature, not the GitHub headers Gitea also sends: 401 and nothing stored', async () => {
    const before = await stored();
    const wrong = await post(body, giteaHeaders('push', body, 'not the gitea secret'));
    expect(wrong.status).toBe(401);
    // GitHub's headers right, Gitea's wrong: Gitea's count.
    const mixed = { ...giteaHeaders('push', body, 'not the gitea secret'), 'x-hub-signature-256': `sha256=${hmac('sha256', body, GITEA_SECRET)}` };
    const r = await post(body, mixed);
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('the signature does not match the body and the secret');
    // What Gitea sends when the hook has no secret: empty signatures.
    const unsigned = await post(body, { ...giteaHeaders('push', body), 'x-gitea-signature': '', 'x-gogs-signature': '', 'x-hub-signature-256': 'sha256=' });
    expect(unsigned.status).toBe(401);
    const githubSecret = await post(body, giteaHeaders('push', body, GITHUB_SECRET));
    expect(githubSecret.status).toBe(401);
    expect(await stored()).toEqual(before);
  });

  it('takes the fixture signed with the secret as a Gitea push: 200, #12 linked with the payload\'s commit URL, commits oldest first', async () => {
    const before = await stored();
    const r = await post(body, giteaHeaders('push', body));
    // Read as GitHub's payload it would be a 400 (Gitea's pusher has no `name`).
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.pushes).toEqual([{ repo: 'gitea/webhooks', ref: 'refs/heads/develop', deleted: false, duplicate: false, commits: 2, linked: [12], closed: [], noted: [], unknown: [] }]);
    const sha = '3f4a6b94e0741ab38cae14957eaeb2b752f5af22';
    const twelve = await getTicket(12);
    expect(twelve.ticket.status).toBe('open');
    expect(twelve.commits).toEqual([
      { repo: 'gitea/webhooks', sha, action: 'link', author: 'Gitea', subject: 'Document push webhooks', url: `http://localhost:3000/gitea/webhooks/commit/${sha}`, linked_at: expect.any(String), closed_at: null },
    ]);
    expect((twelve.timeline as Json[]).at(-1)).toMatchObject({ kind: 'commit', actor: 'Gitea', repo: 'gitea/webhooks', sha, body: 'Gitea: Document push webhooks (gitea/webhooks/develop)' });
    const compare = 'http://localhost:3000/gitea/webhooks/compare/28e1879d029cb852e4844d9c718537df08844e03...bffeb74224043ba2feb48d137756c8a9331c449a';
    // The pusher is Gitea's `login`, the count its `total_commits`, the link its `compare_url`.
    expect(await postsTo('irc:#gitea')).toEqual([`[gitea/webhooks/develop] gitea pushed 2 commits: 3f4a6b9 Document push webhooks; bffeb74 Webhooks Yay! ${compare} → #12 linked`]);
    expect(await stored()).toEqual({ ticket_commits: before.ticket_commits + 1, ticket_events: before.ticket_events + 1, git_pushes: before.git_pushes + 1, outbox: before.outbox + 1 });
  });
});

describe('choosing the repository', () => {
  it('takes ?repo=NAME over the payload\'s names, and that repository\'s secret', async () => {
    const body = JSON.stringify(githubPush());
    const before = await stored();
    // Signed with the secret of the repository the payload names, but the URL says mirror.
    const wrong = await post(body, githubHeaders('push', body), '?repo=mirror');
    expect(wrong.status).toBe(401);
    expect(await stored()).toEqual(before);

    const r = await post(body, githubHeaders('push', body, MIRROR_SECRET), '?repo=mirror');
    expect(r.status).toBe(200);
    expect(r.body.pushes).toEqual([{ repo: 'mirror', ref: 'refs/heads/master', deleted: false, duplicate: false, commits: 1, linked: [], closed: [], noted: [], unknown: [] }]);
    expect(await postsTo('irc:#mirror')).toEqual([expect.stringMatching(/^\[mirror\/master\] Codertocat pushed 1 commit \(new branch\): 6113728 Initial commit /)]);
  });

  it('answers 404 naming an unknown repository, and 401 for a configured one with no secret; nothing stored', async () => {
    const before = await stored();
    const body = JSON.stringify(githubPush());
    const unknown = await post(body, githubHeaders('push', body), '?repo=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: "no repository 'nope' in git.repos", field: 'repo' });

    const tagPush = fixtureText('gitlab-tag-push.json');
    expect(JSON.parse(tagPush).project.path_with_namespace).toBe('jsmith/example');
    // Its payload is not trusted enough to be read for the repository's name: a plain 401.
    for (const token of ['', 'anything at all']) {
      const r = await post(tagPush, gitlabHeaders('Tag Push Hook', token));
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(/^(no X-Gitlab-Token|X-Gitlab-Token does not match the secret)/);
    }
    const viaQuery = await post(body, githubHeaders('push', body, ''), '?repo=jsmith/example');
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.body.error).toMatch(/has no secret/);
    expect(await stored()).toEqual(before);
  });
});

describe('requests that are not pushes', () => {
  it('answers 400 to a body that is not JSON, from any forge', async () => {
    const before = await stored();
    const junk = '{"ref": "refs/heads/master", ';
    for (const headers of [githubHeaders('push', junk), gitlabHeaders('Push Hook', GITLAB_SECRET), giteaHeaders('push', junk)]) {
      const r = await post(junk, headers);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^body is not valid JSON/);
    }
    const empty = await post('', githubHeaders('push', ''));
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/^empty body/);
    expect(await stored()).toEqual(before);
  });

  it('answers 400 naming the field to a signed payload with wrong types, and stores nothing', async () => {
    const before = await stored();
    const cases: [(p: Json) => void, string, RegExp][] = [
      [(p) => (p.commits = 'x'), 'commits', /array/],
      [(p) => (p.ref = 5), 'ref', /string/],
      [(p) => { p.ref = 5; p.commits = 'x'; }, 'ref', /string/],
      [(p) => (p.after = 'HEAD'), 'after', /hex object name/],
      [(p) => (p.commits[0].author = 'Codertocat'), 'commits.0.author', /object/],
      [(p) => (p.forced = 'yes'), 'forced', /boolean/],
      [(p) => (p.pusher = null), 'pusher', /object/],
    ];
    for (const [change, field, message] of cases) {
      const p = githubPush();
      p.after = 'd'.repeat(40);
      p.commits[0].id = p.after;
      p.commits[0].message = 'fixes #3';
      change(p);
      const body = JSON.stringify(p);
      const r = await post(body, githubHeaders('push', body));
      expect(r.status, field).toBe(400);
      expect(r.body.field, field).toBe(field);
      expect(r.body.error, field).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
      expect(r.body.error, field).toMatch(message);
    }
    const gitlab = JSON.parse(fixtureText('gitlab-push.json')) as Json;
    gitlab.total_commits_count = '4';
    const r = await post(JSON.stringify(gitlab), gitlabHeaders('Push Hook', GITLAB_SECRET));
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('total_commits_count');
    expect(await stored()).toEqual(before);
    expect((await ticket(3)).status).toBe('open');
  });

  it('answers 413 to a body over git.max_push_bytes, signed or not, and stores nothing', async () => {
    const before = await stored();
    const p = githubPush();
    p.after = 'e'.repeat(40);
    p.commits[0].id = p.after;
    p.commits[0].message = `fixes #3\n\n${'x'.repeat(70 * 1024)}`;
    const body = JSON.stringify(p);
    const r = await post(body, githubHeaders('push', body));
    expect(r.status).toBe(413);
    expect(r.body.error).toBe(`request body over the limit of ${64 * 1024} bytes`);
    expect(await stored()).toEqual(before);
    expect((await ticket(3)).status).toBe('open');
  });

  it('answers 405 to other methods', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await fetch(`${base}/api/v1/git/push`, { method });
      expect(r.status, method).toBe(405);
      expect(((await r.json()) as Json).error).toBe(`${method} is not allowed on /api/v1/git/push`);
    }
  });

  it('takes a request with no forge headers as the hook\'s: the bearer token is required', async () => {
    const before = await stored();
    const body = JSON.stringify(githubPush());
    // A forge's body without its headers, and even with the signature GitHub would send: no token, no entry.
    const { 'x-github-event': _, ...headers } = githubHeaders('push', body);
    const r = await post(body, headers);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    const wrongShape = await post(body, { ...headers, authorization: `Bearer ${TOKEN}` });
    expect(wrongShape.status).toBe(400);
    expect(await stored()).toEqual(before);

    const hook = {
      pushes: [{
        repo: 'mirror', ref: 'refs/heads/topic', before: ZERO, after: 'f'.repeat(40), pusher: 'alice', forced: false,
        commits: [{ sha: 'f'.repeat(40), author: 'alice', message: 'See #3 for why' }],
      }],
    };
    const ok = await post(JSON.stringify(hook), { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
    expect(ok.body.pushes).toEqual([{ repo: 'mirror', ref: 'refs/heads/topic', deleted: false, duplicate: false, commits: 1, linked: [3], closed: [], noted: [], unknown: [] }]);
  });
});
