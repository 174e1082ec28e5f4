/**
 * One ref update as the bot understands it, whichever way it arrived: the
 * `post-receive` hook (`opsbridge git-hook`) or a GitHub, GitLab or Gitea
 * push webhook. Everything downstream (linking, closing, the push line in
 * chat) works on this shape only.
 */

import { z } from 'zod';

/** The all-zero object name git uses for "no commit": a created branch's `before`, a deleted one's `after`. */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface PushedCommit {
  /** Full object name, lowercase hex (40 for SHA-1, 64 for SHA-256 repositories). */
  sha: string;
  /** Author name as the commit records it. */
  author: string;
  /** The whole commit message. */
  message: string;
  /** Author time, ISO 8601, when known. */
  time?: string;
  /** Web page of the commit, when the source gives one. */
  url?: string;
}

export interface Push {
  /** The repository's name in `git.repos`. */
  repo: string;
  /** Full ref name: `refs/heads/main`, `refs/tags/v1.2`. */
  ref: string;
  /** Object names before and after; ZERO_SHA for a created or deleted ref. */
  before: string;
  after: string;
  /** Who pushed: the webhook's pusher, or the hook's `$GL_USERNAME`/`$USER`. */
  pusher: string;
  /** The update was not a fast-forward (history was rewritten). */
  forced: boolean;
  /**
   * Commits this update brought to the ref, oldest first. Webhooks list what
   * the forge lists; the hook lists commits new to the repository, or new to
   * the ref for the default branch (so a merge there closes tickets).
   */
  commits: PushedCommit[];
  /** Commits no longer reachable after a force-push or deletion, when known (the hook knows; webhooks do not say). */
  removed?: string[];
  /** How many commits the source says were pushed, when it lists fewer (GitLab and Gitea cut the list). */
  totalCommits?: number;
  /** A page comparing before and after, when the source gives one. */
  compareUrl?: string;
}

export function isBranch(ref: string): boolean {
  return ref.startsWith('refs/heads/');
}

/** `refs/heads/main` → `main`, `refs/tags/v1` → `v1`. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** A full object name as pushes carry it; a SHA-256 repository's 64 zeros become ZERO_SHA, the model's one spelling of "no commit". */
export const objectName = z
  .string()
  .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, { error: 'expected a 40- or 64-character lowercase hex object name' })
  .transform((s) => (/^0+$/.test(s) ? ZERO_SHA : s));
