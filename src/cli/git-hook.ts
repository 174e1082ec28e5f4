import { userInfo } from 'node:os';
import type { Config } from '../config/schema.js';
import { shortRef, type Push } from '../domain/git/push.js';
import type { PushOutcome } from '../domain/git/service.js';
import { UserError } from '../errors.js';
import { collectPushes } from '../ingest/git-hook/collect.js';
import { BotUnreachableError, postToBot } from './api-client.js';

export interface GitHookOptions {
  repo: string;
  /** The repository's git directory: `$GIT_DIR` in a hook, else the current directory. */
  gitDir: string;
  /** Write here directly when the bot cannot be reached. */
  db?: string;
  pusher?: string;
  /** The branch whose closing keywords close tickets, when the config does not name the repository. */
  defaultBranch?: string;
  url?: string;
  token?: string;
}

type Outcome = PushOutcome & { ref: string };

/**
 * `opsbridge git-hook --repo NAME` as a `post-receive` hook: reads the ref
 * updates, asks git which commits they brought, and hands them to the
 * running bot; with `--db`, straight to the database when the bot is down.
 * Returns lines for the pusher's terminal (`remote: …`).
 */
export async function runGitHook(config: Config, opts: GitHookOptions, input: string): Promise<string[]> {
  // A git server needs no copy of the bot's config: --default-branch (with --url and --token) is enough.
  const configured = config.git.repos.find((r) => r.name === opts.repo);
  const defaultBranch = opts.defaultBranch?.replace(/^refs\/heads\//, '') ?? configured?.default_branch;
  if (!defaultBranch) {
    throw new UserError(`no repository '${opts.repo}' in git.repos of the config (repositories: ${config.git.repos.map((r) => r.name).join(', ') || 'none'}); give --default-branch, or use the bot's config`);
  }
  const pushes = await collectPushes({ gitDir: opts.gitDir, input, repo: opts.repo, defaultBranch, pusher: opts.pusher ?? pusherName() });
  if (pushes.length === 0) return [];
  let outcomes: Outcome[];
  try {
    const answer = (await postToBot(config, '/api/v1/git/push', { pushes }, { ...opts, timeoutMs: 30_000 })) as { pushes: Outcome[] };
    outcomes = answer.pushes;
  } catch (err) {
    if (!(err instanceof BotUnreachableError)) throw err;
    if (!opts.db) throw new UserError(`${err.message}; this push is not recorded (give the hook --db PATH to write to the database when the bot is down, or run it again with the same input)`);
    if (!configured) throw new UserError(`${err.message}; --db needs '${opts.repo}' in git.repos of the config`);
    outcomes = await writeDirectly(config, opts.db, pushes);
  }
  return outcomes.map((o) => describe(opts.repo, o));
}

/** The bot is down: the same service writes to its database, and delivery posts the lines when it is back. */
async function writeDirectly(config: Config, db: string, pushes: Push[]): Promise<Outcome[]> {
  // Loaded only here: the whole bot takes most of a second to load, which a hook should not pay on every push.
  const { buildCore } = await import('../app.js');
  const { pino } = await import('pino');
  const core = await buildCore({ ...config, database: db }, { log: pino({ level: 'silent' }) });
  try {
    return (await core.services.git.ingest(pushes)).map((o, i) => ({ ref: pushes[i]!.ref, ...o }));
  } finally {
    await core.close();
  }
}

/** Who pushed, as hosting tools tell hooks: gitolite and GitLab set GL_USERNAME, Gitea GITEA_PUSHER_NAME. */
function pusherName(): string {
  const env = process.env;
  return env.GL_USERNAME || env.GITEA_PUSHER_NAME || env.REMOTE_USER || env.USER || userInfo().username;
}

function describe(repo: string, o: Outcome): string {
  const where = `${repo}/${shortRef(o.ref)}`;
  if (o.duplicate) return `opsbridge: ${where}: already seen`;
  const parts = [
    o.deleted ? 'deleted' : `${o.commits} commit${o.commits === 1 ? '' : 's'}`,
    ...o.closed.map((t) => `#${t} closed`),
    ...o.linked.map((t) => `#${t} linked`),
    ...o.noted.map((t) => `#${t} noted`),
    ...(o.unknown.length > 0 ? [`no ticket ${o.unknown.map((t) => `#${t}`).join(', ')}`] : []),
  ];
  return `opsbridge: ${where}: ${parts.join(', ')}`;
}
