import { z } from 'zod';
import type { Push } from '../../domain/git/push.js';
import type { GitService, PushOutcome } from '../../domain/git/service.js';
import { detectForge, parseWebhook, repoCandidates, verifySignature, type Forge } from '../../domain/git/webhooks.js';
import { validate } from '../../validate.js';
import { jsonBody, withToken } from '../request.js';
import { HttpError, type HttpRequest, type HttpResponse, type Router } from '../router.js';

const objectName = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, { error: 'expected a full object name (40 or 64 lowercase hex digits)' });

/** What `opsbridge git-hook` sends: the ref updates of one `git push`. */
const hookBody = z.strictObject({
  pushes: z
    .array(
      z.strictObject({
        repo: z.string().min(1),
        ref: z.string().regex(/^refs\/\S+$/, { error: 'expected a full ref name such as refs/heads/main' }),
        before: objectName,
        after: objectName,
        pusher: z.string().min(1).max(200),
        forced: z.boolean(),
        commits: z.array(
          z.strictObject({
            sha: objectName,
            author: z.string().max(500),
            message: z.string(),
            time: z.string().optional(),
            url: z.url().optional(),
          }),
        ),
        removed: z.array(objectName).optional(),
        totalCommits: z.number().int().min(0).optional(),
        compareUrl: z.url().optional(),
      }),
    )
    .min(1, { error: 'send at least one ref update' }),
});

/**
 * `POST /api/v1/git/push`: pushes from `opsbridge git-hook` (bearer token)
 * and push webhooks from GitHub, GitLab and Gitea/Forgejo (each signed with
 * its repository's secret). Nothing is stored unless the request proves it
 * comes from who it says.
 */
export function gitRoutes(router: Router, deps: { git: GitService; token: string; maxBodyBytes: number }): void {
  const fromHook = withToken(deps.token, (req) => {
    const { pushes } = validate(hookBody, jsonBody(req));
    pushes.forEach((p, i) => {
      if (!deps.git.repo(p.repo)) throw new HttpError(400, `no repository '${p.repo}' in git.repos`, `pushes.${i}.repo`);
    });
    const outcomes = deps.git.ingest(pushes as Push[]);
    return { status: 200, body: { pushes: pushes.map((p, i) => summary(p as Push, outcomes[i]!)) } };
  });

  router.add('POST', '/api/v1/git/push', (req) => {
    const forge = detectForge(req.headers);
    return forge ? fromForge(forge, req) : fromHook(req);
  }, { maxBodyBytes: deps.maxBodyBytes });

  function fromForge(forge: Forge, req: HttpRequest): HttpResponse {
    const body = jsonBody(req);
    const wanted = req.url.searchParams.get('repo');
    const names = wanted ? [wanted] : repoCandidates(forge, body);
    const repo = names.map((n) => deps.git.repo(n)).find((r) => r !== undefined);
    if (!repo) {
      const said = names.length > 0 ? `'${names[0]}'` : 'none';
      throw new HttpError(404, `no repository in git.repos for this ${forge} webhook (it names ${said}); add it, or put ?repo=NAME in the webhook URL`, 'repository');
    }
    if (!repo.secret) throw new HttpError(401, `repository '${repo.name}' has no secret in git.repos: webhooks are refused until one is set`);
    if (!verifySignature(forge, req.headers, req.body, repo.secret)) {
      throw new HttpError(401, forge === 'gitlab' ? 'X-Gitlab-Token does not match the secret' : 'the signature does not match the body and the secret');
    }
    const event = parseWebhook(forge, req.headers, body, repo.name);
    if (event.kind === 'ping') return { status: 200, body: { ok: true, pong: repo.name } };
    if (event.kind === 'ignored') return { status: 202, body: { ignored: event.event } };
    return { status: 200, body: { pushes: [summary(event.push, deps.git.ingest([event.push])[0]!)] } };
  }
}

function summary(p: Push, o: PushOutcome): Record<string, unknown> {
  return { repo: p.repo, ref: p.ref, ...o };
}
