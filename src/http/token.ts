import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';

/**
 * The bearer token of the write API: `http.token` from the config, else one
 * generated on first start and kept (mode 0600) next to the database, where
 * `opsbridge send` on the same machine finds it. The token itself is never
 * logged.
 */
export function tokenFile(config: Config): string | undefined {
  return config.database === ':memory:' ? undefined : join(dirname(config.database), 'http-token');
}

export function resolveToken(config: Config, opts: { create: boolean }): { token: string; file?: string } | undefined {
  if (config.http.token) return { token: config.http.token };
  const file = tokenFile(config);
  if (!file) return opts.create ? { token: randomBytes(24).toString('base64url') } : undefined;
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!opts.create) return undefined;
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file };
}
