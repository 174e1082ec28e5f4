import { z } from 'zod';
import { objectName, type Push } from '../../domain/git/push.js';
import type { GitService, PushOutcome } from '../../domain/git/service.js';
import { detectForge, hasSignature, parseWebhook, repoCandidates, verifySignature, type Forge } from '../../ingest/git-webhooks.js';
import { validate } from '../../validate.js';
import { bearerCheck, jsonBody } from '../request.js';
import { HttpError, type HttpRequest, type HttpResponse, type Router } from '../router.js';

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
 * its repository's secret). A request without a token or a signature is
 * refused before its body is read; a signed one is verified on the raw body
 * before it is parsed; nothing is stored unless it proves who sent it.
 */
export function gitRoutes(router: Router, deps: { git: GitService; token: string; maxBodyBytes: number }): void {
  const checkBearer = bearerCheck(deps.token);

  router.add('POST', '/api/v1/git/push', (req) => {
    const forge = detectForge(req.headers);
    return forge ? fromForge(forge, req) : fromHook(req);
  }, {
    maxBodyBytes: deps.maxBodyBytes,
    beforeBody: (headers) => {
      const forge = detectForge(headers);
      if (!forge) return checkBearer(headers);
      if (!hasSignature(forge, headers)) throw new HttpError(401, `no ${forge === 'gitlab' ? 'X-Gitlab-Token' : 'signature'}: set the repository's secret (git.repos[].secret) in the ${forge} webhook`);
    },
  });

  async function fromHook(req: HttpRequest): Promise<HttpResponse> {
    const { pushes } = validate(hookBody, jsonBody(req));
    pushes.forEach((p, i) => {
      if (!deps.git.repo(p.repo)) throw new HttpError(400, `no repository '${p.repo}' in git.repos`, `pushes.${i}.repo`);
    });
    const outcomes = await deps.git.ingest(pushes);
    return { status: 200, body: { pushes: pushes.map((p, i) => summary(p, outcomes[i]!)) } };
  }

  async function fromForge(forge: Forge, req: HttpRequest): Promise<HttpResponse> {
    const wanted = req.url.searchParams.get('repo');
    const named = wanted === null ? undefined : deps.git.repo(wanted);
    if (wanted !== null && !named) throw new HttpError(404, `no repository '${wanted}' in git.repos`, 'repo');
    if (named && !named.secret) throw new HttpError(401, `repository '${named.name}' has no secret in git.repos: webhooks are refused until one is set`);
    // Verified on the raw body before anything is parsed; several repositories may share a secret.
    const verified = (named ? [named] : deps.git.repos()).filter((r) => r.secret && verifySignature(forge, req.headers, req.body, r.secret));
    if (verified.length === 0) {
      throw new HttpError(401, forge === 'gitlab' ? 'X-Gitlab-Token does not match the secret' : 'the signature does not match the body and the secret');
    }
    const body = jsonBody(req);
    const names = repoCandidates(forge, body);
    const repo = named ?? verified.find((r) => names.includes(r.name));
    if (!repo) {
      // Signed, but not for what the payload names: another configured repository's payload is a bad signature for it.
      if (names.some((n) => deps.git.repo(n))) throw new HttpError(401, forge === 'gitlab' ? 'X-Gitlab-Token does not match the secret' : 'the signature does not match the body and the secret');
      if (names.length > 0 || verified.length > 1) {
        throw new HttpError(404, `no repository in git.repos for this ${forge} webhook (it names ${names.length > 0 ? `'${names[0]}'` : 'none'}); add it, or put ?repo=NAME in the webhook URL`, 'repository');
      }
    }
    const target = repo ?? verified[0]!;
    const event = parseWebhook(forge, req.headers, body, target.name);
    if (event.kind === 'ping') return { status: 200, body: { ok: true, pong: target.name } };
    if (event.kind === 'ignored') return { status: 202, body: { ignored: event.event } };
    const [outcome] = await deps.git.ingest([event.push]);
    return { status: 200, body: { pushes: [summary(event.push, outcome!)] } };
  }
}

function summary(p: Push, o: PushOutcome): Record<string, unknown> {
  return { repo: p.repo, ref: p.ref, ...o };
}
