import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Author and committer of every test commit. */
export const GIT_AUTHOR = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Alice Example',
  GIT_AUTHOR_EMAIL: 'alice@example.com',
  GIT_COMMITTER_NAME: 'Alice Example',
  GIT_COMMITTER_EMAIL: 'alice@example.com',
};

/**
 * Real git, with the host's git config kept out: for the file's tests, a
 * temp HOME and fixed author, and no inherited GIT_* (or the `also`
 * variables). git, hooks and the CLI inherit this process's environment,
 * so it is set there and restored afterwards. Returns the temp root.
 */
export function hermeticGit(prefix: string, also: readonly string[] = []): { root(): string; env(): Record<string, string> } {
  const saved = { ...process.env };
  let root = '';
  let env: Record<string, string> = {};
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
    env = { ...GIT_AUTHOR, HOME: root };
    for (const key of Object.keys(process.env)) if (key.startsWith('GIT_') || also.includes(key)) delete process.env[key];
    Object.assign(process.env, env);
  });
  afterAll(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return { root: () => root, env: () => env };
}
