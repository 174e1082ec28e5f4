import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZERO_SHA } from '../../src/domain/git/push.js';
import { detectForge, parseWebhook, repoCandidates, verifySignature, type Forge } from '../../src/ingest/git-webhooks.js';
import { InputError } from '../../src/errors.js';
import { thrownBy } from '../helpers/thrown.js';

type Json = Record<string, any>;

/** GitHub's example payloads, one entry per event: the package's main file, `api.github.com/index.json`. */
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Json[] }[];
const githubExamples = (event: string): Json[] => definitions.find((d) => d.name === event)!.examples;
const githubPushWithCommit = (): Json => structuredClone(githubExamples('push').find((e) => e.commits.length > 0)!);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'git');
const fixture = (name: string): Json => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;

const SECRET = 'correct horse battery staple';
const hmacHex = (raw: Buffer, secret = SECRET): string => createHmac('sha256', secret).update(raw).digest('hex');
const DELIVERY = 'f6266f16-1bf3-46a5-9ea4-602e06ead473';

/** The headers each forge sends (lower-cased, as Node gives them), signed with `secret`. */
function githubHeaders(event: string, raw: Buffer, secret = SECRET): IncomingHttpHeaders {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-delivery': DELIVERY,
    'x-github-event': event,
    'x-github-hook-id': '292430182',
    'x-hub-signature-256': `sha256=${hmacHex(raw, secret)}`,
  };
}

function gitlabHeaders(event: string, token = SECRET): IncomingHttpHeaders {
  return { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': token };
}

/** What Gitea's AddDefaultHeaders sends (services/webhook); with no secret set, the signatures are empty. */
function giteaHeaders(event: string, raw: Buffer, secret = SECRET): IncomingHttpHeaders {
  const sig = secret ? hmacHex(raw, secret) : '';
  const sha1 = secret ? createHmac('sha1', secret).update(raw).digest('hex') : '';
  return {
    'content-type': 'application/json',
    'x-gitea-delivery': DELIVERY,
    'x-gitea-event': event,
    'x-gitea-event-type': event,
    'x-gitea-signature': sig,
    'x-gogs-delivery': DELIVERY,
    'x-gogs-event': event,
    'x-gogs-event-type': event,
    'x-gogs-signature': sig,
    'x-hub-signature': `sha1=${sha1}`,
    'x-hub-signature-256': `sha256=${sig}`,
    'x-github-delivery': DELIVERY,
    'x-github-event': event,
    'x-github-event-type': event,
  };
}

/** Forgejo sends all of Gitea's headers and its own X-Forgejo-* set. */
function forgejoHeaders(event: string, raw: Buffer, secret = SECRET): IncomingHttpHeaders {
  return {
    ...giteaHeaders(event, raw, secret),
    'x-forgejo-delivery': DELIVERY,
    'x-forgejo-event': event,
    'x-forgejo-event-type': event,
    'x-forgejo-signature': hmacHex(raw, secret),
  };
}

const raw = (body: unknown): Buffer => Buffer.from(JSON.stringify(body));

function inputError(parse: () => unknown): { field: string; message: string } {
  const err = thrownBy(InputError, parse);
  return { field: err.field, message: err.message };
}

function pushOf(forge: Forge, headers: IncomingHttpHeaders, body: unknown) {
  const event = parseWebhook(forge, headers, body, 'app');
  if (event.kind !== 'push') throw new Error(`expected a push, got ${JSON.stringify(event)}`);
  return event.push;
}

describe('detectForge', () => {
  it('recognises each forge by the headers it really sends', () => {
    const body = raw({});
    expect(detectForge(githubHeaders('push', body))).toBe('github');
    expect(detectForge(gitlabHeaders('Push Hook'))).toBe('gitlab');
    expect(detectForge(giteaHeaders('push', body))).toBe('gitea');
    expect(detectForge(forgejoHeaders('push', body))).toBe('gitea');
  });

  it('takes Gitea for Gitea although it also sends X-GitHub-Event and X-Hub-Signature-256', () => {
    const headers = giteaHeaders('push', raw({}));
    expect(headers['x-github-event']).toBe('push');
    expect(detectForge(headers)).toBe('gitea');
  });

  it('knows Gitea by any one of its marks: a Gitea, Forgejo or Gogs event header, or a Gitea signature', () => {
    for (const h of ['x-gitea-event', 'x-forgejo-event', 'x-gogs-event', 'x-gitea-signature']) {
      expect(detectForge({ [h]: 'push', 'x-github-event': 'push' })).toBe('gitea');
    }
  });

  it('knows nothing else', () => {
    expect(detectForge({})).toBeNull();
    expect(detectForge({ 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' })).toBeNull();
    expect(detectForge({ 'x-github-event': ['push', 'push'] })).toBeNull();
  });
});

describe('verifySignature', () => {
  it('matches the test values in GitHub\'s "Validating webhook deliveries" docs', () => {
    const headers = { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' };
    expect(verifySignature('github', headers, Buffer.from('Hello, World!'), "It's a Secret to Everybody")).toBe(true);
  });

  it('accepts a GitHub push signed with the secret and refuses a wrong secret, a missing header or a changed body', () => {
    const body = raw(githubPushWithCommit());
    expect(verifySignature('github', githubHeaders('push', body), body, SECRET)).toBe(true);
    expect(verifySignature('github', githubHeaders('push', body), body, 'another secret')).toBe(false);
    expect(verifySignature('github', githubHeaders('push', body, 'another secret'), body, SECRET)).toBe(false);
    const { 'x-hub-signature-256': _, ...unsigned } = githubHeaders('push', body);
    expect(verifySignature('github', unsigned, body, SECRET)).toBe(false);
    const tampered = Buffer.from(body.toString().replaceAll('Initial commit', 'Initial commit, fixes #1'));
    expect(verifySignature('github', githubHeaders('push', body), tampered, SECRET)).toBe(false);
  });

  it('refuses malformed GitHub signatures, and the SHA-1 header alone', () => {
    const body = raw({ zen: 'Design for failure.' });
    const hex = hmacHex(body);
    for (const value of [hex, `sha1=${hex}`, `sha256=${hex.slice(1)}`, `sha256=${hex}0`, `sha256=${hex.slice(2)}zz`, 'sha256=', '', ` sha256=${hex}`, `sha256=${hex} `]) {
      expect(verifySignature('github', { 'x-hub-signature-256': value }, body, SECRET)).toBe(false);
    }
    expect(verifySignature('github', { 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}` }, body, SECRET)).toBe(false);
    expect(verifySignature('github', { 'x-hub-signature-256': [`sha256=${hex}`] as unknown as string }, body, SECRET)).toBe(false);
  });

  it('compares the hex digits of a signature without regard to case', () => {
    const body = raw({});
    expect(verifySignature('github', { 'x-hub-signature-256': `sha256=${hmacHex(body).toUpperCase()}` }, body, SECRET)).toBe(true);
  });

  it('accepts a GitLab token equal to the secret and nothing close to it', () => {
    const body = raw(fixture('gitlab-push.json'));
    expect(verifySignature('gitlab', gitlabHeaders('Push Hook'), body, SECRET)).toBe(true);
    for (const token of ['', 'wrong', SECRET.slice(0, -1), `${SECRET} `, SECRET.toUpperCase()]) {
      expect(verifySignature('gitlab', gitlabHeaders('Push Hook', token), body, SECRET)).toBe(false);
    }
    expect(verifySignature('gitlab', { 'x-gitlab-event': 'Push Hook' }, body, SECRET)).toBe(false);
  });

  it('accepts a Gitea signature, and a Forgejo one alone, over the raw body', () => {
    const body = raw(fixture('gitea-push.json'));
    expect(verifySignature('gitea', giteaHeaders('push', body), body, SECRET)).toBe(true);
    expect(verifySignature('gitea', forgejoHeaders('push', body), body, SECRET)).toBe(true);
    expect(verifySignature('gitea', { 'x-forgejo-event': 'push', 'x-forgejo-signature': hmacHex(body) }, body, SECRET)).toBe(true);
  });

  it('refuses a Gitea request with a wrong secret, a changed body, or the empty signature Gitea sends when no secret is set', () => {
    const body = raw(fixture('gitea-push.json'));
    expect(verifySignature('gitea', giteaHeaders('push', body), body, 'another secret')).toBe(false);
    expect(verifySignature('gitea', giteaHeaders('push', body), Buffer.concat([body, Buffer.from('\n')]), SECRET)).toBe(false);
    expect(verifySignature('gitea', giteaHeaders('push', body, ''), body, SECRET)).toBe(false);
    expect(verifySignature('gitea', { 'x-gitea-event': 'push' }, body, SECRET)).toBe(false);
  });

  it('proves nothing with an empty secret', () => {
    const body = raw({});
    expect(verifySignature('gitlab', gitlabHeaders('Push Hook', ''), body, '')).toBe(false);
    expect(verifySignature('github', { 'x-hub-signature-256': `sha256=${createHmac('sha256', '').update(body).digest('hex')}` }, body, '')).toBe(false);
  });

  it('never throws on garbage headers', () => {
    const garbage: IncomingHttpHeaders[] = [
      {},
      { 'x-hub-signature-256': 'sha256=' + 'g'.repeat(64), 'x-gitlab-token': 'x'.repeat(100_000), 'x-gitea-signature': '\u0000'.repeat(64) },
      { 'x-hub-signature-256': [] as unknown as string, 'x-gitlab-token': ['a', 'b'] as unknown as string, 'x-gitea-signature': ['x'] as unknown as string },
      { 'x-hub-signature-256': 'sha256=' + 'é'.repeat(64), 'x-gitea-signature': '😀'.repeat(32), 'x-gitlab-token': '😀' },
    ];
    for (const headers of garbage) {
      for (const forge of ['github', 'gitlab', 'gitea'] as const) {
        expect(verifySignature(forge, headers, Buffer.alloc(0), SECRET)).toBe(false);
      }
    }
  });
});

describe('repoCandidates', () => {
  it('lists the names a payload gives for its repository, most specific first, without repeats', () => {
    expect(repoCandidates('github', githubPushWithCommit())).toEqual(['Codertocat/Hello-World', 'Hello-World']);
    expect(repoCandidates('gitlab', fixture('gitlab-push.json'))).toEqual(['mike/diaspora', 'Diaspora']);
    expect(repoCandidates('gitlab', fixture('gitlab-tag-push.json'))).toEqual(['jsmith/example', 'Example']);
    expect(repoCandidates('gitea', fixture('gitea-push.json'))).toEqual(['gitea/webhooks', 'webhooks']);
  });

  it('falls back to the older GitLab repository key', () => {
    expect(repoCandidates('gitlab', { repository: { name: 'Diaspora' } })).toEqual(['Diaspora']);
  });

  it('gives an empty list for an organisation ping, which names no repository', () => {
    const orgPing = githubExamples('ping').find((p) => !('repository' in p))!;
    expect(repoCandidates('github', orgPing)).toEqual([]);
  });
});

describe('parseWebhook: GitHub', () => {
  it('turns GitHub\'s example push into the neutral push', () => {
    const example = githubPushWithCommit();
    expect(parseWebhook('github', githubHeaders('push', raw(example)), example, 'app')).toEqual({
      kind: 'push',
      push: {
        repo: 'app',
        ref: 'refs/heads/master',
        before: ZERO_SHA,
        after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        pusher: 'Codertocat',
        forced: false,
        commits: [
          {
            sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
            author: 'Codertocat',
            message: 'Initial commit',
            time: '2019-05-15T15:19:25Z',
            url: 'https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          },
        ],
        compareUrl: 'https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      },
    });
  });

  it('reads every push example GitHub gives, tag creations and deletions included', () => {
    const pushes = githubExamples('push').map((e) => pushOf('github', { 'x-github-event': 'push' }, e));
    expect(pushes).toHaveLength(7);
    expect(pushes.map((p) => [p.ref, p.before === ZERO_SHA, p.after === ZERO_SHA, p.commits.length])).toEqual([
      ['refs/tags/simple-tag', true, false, 0],
      ['refs/tags/simple-tag', false, true, 0],
      ['refs/tags/simple-tag', false, true, 0],
      ['refs/tags/simple-tag', false, true, 0],
      ['refs/heads/master', true, false, 1],
      ['refs/heads/master', true, false, 1],
      ['refs/tags/simple-tag', false, true, 0],
    ]);
    for (const p of pushes) expect(p).not.toHaveProperty('totalCommits');
  });

  it('keeps GitHub\'s forced flag and its oldest-first commit order', () => {
    const example = githubPushWithCommit();
    const first = example.commits[0];
    const second = { ...first, id: 'a'.repeat(40), message: 'Second commit\n\nfixes #12' };
    const push = pushOf('github', { 'x-github-event': 'push' }, { ...example, forced: true, after: second.id, commits: [first, second] });
    expect(push.forced).toBe(true);
    expect(push.commits.map((c) => c.sha)).toEqual([first.id, second.id]);
    expect(push.commits[1]!.message).toBe('Second commit\n\nfixes #12');
  });

  it('answers a ping, for a repository or an organisation hook', () => {
    const pings = githubExamples('ping');
    expect(pings).toHaveLength(4);
    for (const ping of pings) expect(parseWebhook('github', githubHeaders('ping', raw(ping)), ping, 'app')).toEqual({ kind: 'ping' });
  });

  it('ignores other events, naming them, without reading their bodies', () => {
    const issue = githubExamples('issues')[0]!;
    expect(parseWebhook('github', githubHeaders('issues', raw(issue)), issue, 'app')).toEqual({ kind: 'ignored', event: 'issues' });
    expect(parseWebhook('github', { 'x-github-event': 'create' }, null, 'app')).toEqual({ kind: 'ignored', event: 'create' });
  });
});

describe('parseWebhook: GitLab', () => {
  it('turns the documented push example into the neutral push', () => {
    const body = fixture('gitlab-push.json');
    expect(parseWebhook('gitlab', gitlabHeaders('Push Hook'), body, 'app')).toEqual({
      kind: 'push',
      push: {
        repo: 'app',
        ref: 'refs/heads/master',
        before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
        after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        pusher: 'jsmith',
        forced: false,
        commits: [
          {
            sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
            author: 'Jordi Mallach',
            message: 'Update Catalan translation to e38cb41.\n\nSee https://gitlab.com/gitlab-org/gitlab for more information',
            time: '2011-12-12T14:27:31+02:00',
            url: 'http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
          },
          {
            sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
            author: 'GitLab dev user',
            message: 'fixed readme',
            time: '2012-01-03T23:36:29+02:00',
            url: 'http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
          },
        ],
        totalCommits: 4,
      },
    });
  });

  it('reads a tag push, naming the pusher by user_name when user_username is missing', () => {
    expect(pushOf('gitlab', gitlabHeaders('Tag Push Hook'), fixture('gitlab-tag-push.json'))).toEqual({
      repo: 'app',
      ref: 'refs/tags/v1.0.0',
      before: ZERO_SHA,
      after: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7',
      pusher: 'John Smith',
      forced: false,
      commits: [],
      totalCommits: 0,
    });
  });

  it('puts a newest-first list (GitLab\'s "Test" button sends one) oldest first', () => {
    const body = fixture('gitlab-push.json');
    body.commits.reverse();
    expect(pushOf('gitlab', gitlabHeaders('Push Hook'), body).commits.map((c) => c.sha)).toEqual([
      'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
      'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    ]);
  });

  it('ignores other GitLab events, system hooks included', () => {
    for (const event of ['Merge Request Hook', 'System Hook', 'push', '']) {
      expect(parseWebhook('gitlab', gitlabHeaders(event), fixture('gitlab-push.json'), 'app')).toEqual({ kind: 'ignored', event });
    }
  });
});

describe('parseWebhook: Gitea and Forgejo', () => {
  const expected = {
    repo: 'app',
    ref: 'refs/heads/develop',
    before: '28e1879d029cb852e4844d9c718537df08844e03',
    after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
    pusher: 'gitea',
    forced: false,
    commits: [
      {
        sha: '3f4a6b94e0741ab38cae14957eaeb2b752f5af22',
        author: 'Gitea',
        message: 'Document push webhooks\n\nRefs #12\n',
        time: '2017-03-13T13:40:02-04:00',
        url: 'http://localhost:3000/gitea/webhooks/commit/3f4a6b94e0741ab38cae14957eaeb2b752f5af22',
      },
      {
        sha: 'bffeb74224043ba2feb48d137756c8a9331c449a',
        author: 'Gitea',
        message: 'Webhooks Yay!',
        time: '2017-03-13T13:52:11-04:00',
        url: 'http://localhost:3000/gitea/webhooks/commit/bffeb74224043ba2feb48d137756c8a9331c449a',
      },
    ],
    totalCommits: 2,
    compareUrl: 'http://localhost:3000/gitea/webhooks/compare/28e1879d029cb852e4844d9c718537df08844e03...bffeb74224043ba2feb48d137756c8a9331c449a',
  };

  it('turns a Gitea push into the neutral push, commits turned oldest first', () => {
    const body = fixture('gitea-push.json');
    expect(parseWebhook('gitea', giteaHeaders('push', raw(body)), body, 'app')).toEqual({ kind: 'push', push: expected });
  });

  it('reads the same body under Forgejo\'s headers, or Gogs\'s', () => {
    const body = fixture('gitea-push.json');
    expect(pushOf('gitea', forgejoHeaders('push', raw(body)), body)).toEqual(expected);
    expect(pushOf('gitea', { 'x-forgejo-event': 'push' }, body)).toEqual(expected);
    expect(pushOf('gitea', { 'x-gogs-event': 'push' }, body)).toEqual(expected);
  });

  it('reads a payload from before Gitea 1.18 (no total_commits) and a pusher known only by username', () => {
    const { total_commits: _, ...body } = fixture('gitea-push.json');
    body.pusher = { id: 1, username: 'gitea' };
    const push = pushOf('gitea', { 'x-gitea-event': 'push' }, body);
    expect(push).not.toHaveProperty('totalCommits');
    expect(push.pusher).toBe('gitea');
  });

  it('uses a forced flag when one is there', () => {
    expect(pushOf('gitea', { 'x-gitea-event': 'push' }, { ...fixture('gitea-push.json'), forced: true }).forced).toBe(true);
  });

  it('reads a deleted branch: zero after, no commits (null from Go), an empty compare_url', () => {
    const body = { ...fixture('gitea-push.json'), after: ZERO_SHA, commits: null, head_commit: null, total_commits: 0, compare_url: '' };
    expect(pushOf('gitea', { 'x-gitea-event': 'push' }, body)).toEqual({
      repo: 'app',
      ref: 'refs/heads/develop',
      before: '28e1879d029cb852e4844d9c718537df08844e03',
      after: ZERO_SHA,
      pusher: 'gitea',
      forced: false,
      commits: [],
      totalCommits: 0,
    });
  });

  it('ignores the other Gitea events (create, delete, issues…)', () => {
    for (const event of ['create', 'delete', 'issues', 'pull_request']) {
      expect(parseWebhook('gitea', giteaHeaders(event, raw({})), {}, 'app')).toEqual({ kind: 'ignored', event });
    }
    expect(parseWebhook('gitea', { 'x-gitea-signature': 'ab' }, {}, 'app')).toEqual({ kind: 'ignored', event: '' });
  });
});

describe('parseWebhook: object names', () => {
  it('takes SHA-256 object names, and 64 zeros as the model\'s ZERO_SHA', () => {
    const sha = 'ab'.repeat(32);
    const body = { ...fixture('gitea-push.json'), before: '0'.repeat(64), after: sha, commits: [{ ...fixture('gitea-push.json').commits[0], id: sha }] };
    const push = pushOf('gitea', { 'x-gitea-event': 'push' }, body);
    expect(push.before).toBe(ZERO_SHA);
    expect(push.after).toBe(sha);
    expect(push.commits[0]!.sha).toBe(sha);
  });
});

describe('parseWebhook: malformed payloads', () => {
  const github = (change: (p: Json) => void) => () => {
    const p = githubPushWithCommit();
    change(p);
    return parseWebhook('github', { 'x-github-event': 'push' }, p, 'app');
  };
  const gitlab = (change: (p: Json) => void) => () => {
    const p = fixture('gitlab-push.json');
    change(p);
    return parseWebhook('gitlab', { 'x-gitlab-event': 'Push Hook' }, p, 'app');
  };
  const gitea = (change: (p: Json) => void) => () => {
    const p = fixture('gitea-push.json');
    change(p);
    return parseWebhook('gitea', { 'x-gitea-event': 'push' }, p, 'app');
  };

  it('names the field that is wrong', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [github((p) => (p.commits[0].id = 'abc')), 'commits.0.id', /40- or 64-character lowercase hex/],
      [github((p) => (p.after = p.after.toUpperCase())), 'after', /lowercase hex/],
      [github((p) => (p.before = `${p.before}0`)), 'before', /hex object name/],
      [github((p) => (p.ref = 'master')), 'ref', /refs\/heads\/main/],
      [github((p) => delete p.pusher), 'pusher', /object/],
      [github((p) => (p.pusher.name = 7)), 'pusher.name', /string/],
      [github((p) => (p.commits = {})), 'commits', /array/],
      [github((p) => (p.commits[0].timestamp = 'yesterday')), 'commits.0.timestamp', /ISO 8601/],
      [github((p) => delete p.commits[0].author.name), 'commits.0.author.name', /string/],
      [github((p) => (p.commits[0].message = null)), 'commits.0.message', /string/],
      [github((p) => (p.forced = 'no')), 'forced', /boolean/],
      [gitlab((p) => delete p.user_name), 'user_name', /string/],
      [gitlab((p) => (p.total_commits_count = -1)), 'total_commits_count', />=0|0/],
      [gitlab((p) => (p.commits[1].id = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d')), 'commits.1.id', /hex/],
      [gitea((p) => (p.pusher = { id: 1 })), 'pusher.login', /login or username/],
      [gitea((p) => (p.total_commits = 1.5)), 'total_commits', /int/i],
      [gitea((p) => (p.commits[1].author = null)), 'commits.1.author', /object/],
    ];
    for (const [parse, field, message] of cases) {
      const err = inputError(parse);
      expect(err.field, err.message).toBe(field);
      expect(err.message).toMatch(message);
    }
  });

  it('says a body that is not an object is not a push payload', () => {
    for (const forge of ['github', 'gitlab', 'gitea'] as const) {
      const event = { github: 'push', gitlab: 'Push Hook', gitea: 'push' }[forge];
      const headers = { github: { 'x-github-event': event }, gitlab: { 'x-gitlab-event': event }, gitea: { 'x-gitea-event': event } }[forge];
      expect(inputError(() => parseWebhook(forge, headers, null, 'app'))).toEqual({ field: '', message: 'expected a JSON object (a push event payload)' });
    }
  });
});

describe('garbage bodies', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 10_000; i++) deep = i % 2 ? { repository: deep, project: deep, commits: deep } : [deep];
  const garbage: unknown[] = [
    null,
    undefined,
    0,
    Number.NaN,
    true,
    'push',
    '{"ref":"refs/heads/main"}',
    [],
    [{ ref: 'refs/heads/main' }],
    {},
    { repository: 'app', project: [], commits: 'all of them' },
    { repository: { full_name: { name: 'x' }, name: ['x'] }, project: { path_with_namespace: 42, name: null } },
    { ref: {}, before: [], after: null, pusher: 'me', commits: [null, 1, 'x', []] },
    JSON.parse('{"__proto__": {"ref": "refs/heads/main", "repository": {"name": "app"}}}'),
    Object.create(null),
    deep,
  ];
  const pushHeaders: Record<Forge, IncomingHttpHeaders> = {
    github: { 'x-github-event': 'push' },
    gitlab: { 'x-gitlab-event': 'Push Hook' },
    gitea: { 'x-gitea-event': 'push' },
  };

  it('give no repository names, and never throw from repoCandidates', () => {
    for (const forge of ['github', 'gitlab', 'gitea'] as const) {
      for (const body of garbage) expect(repoCandidates(forge, body)).toEqual([]);
    }
  });

  it('give an InputError from parseWebhook, never anything else', () => {
    for (const forge of ['github', 'gitlab', 'gitea'] as const) {
      for (const body of garbage) thrownBy(InputError, () => parseWebhook(forge, pushHeaders[forge], body, 'app'));
    }
  });
});
