import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { resolveToken, tokenFile } from '../http/token.js';
import { parseListen } from '../net/listen.js';

/**
 * Posts to the running bot's HTTP API, as `opsbridge send`, `alert` and
 * `git-hook` do: the address from `http.listen` (a wildcard bind is reached
 * on loopback), the token from `--token`, else `$OPSBRIDGE_TOKEN`, else the
 * config's `http.token` or the file the bot wrote next to its database.
 */
export async function postToBot(config: Config, path: string, body: unknown, opts: { url?: string; token?: string; timeoutMs?: number }): Promise<unknown> {
  const base = opts.url ?? baseUrl(config);
  const token = opts.token ?? process.env.OPSBRIDGE_TOKEN ?? resolveToken(config, { create: false })?.token;
  if (!token) throw new UserError(`no API token: set http.token in the config, OPSBRIDGE_TOKEN, or start the bot once (it writes ${tokenFile(config) ?? 'a token file'})`);
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new BotUnreachableError(`cannot reach the bot at ${base} (${cause}): is it running? (opsbridge start)`);
  }
  const answer = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new UserError(`the bot refused: ${res.status} ${answer.error ?? res.statusText}`);
  return answer;
}

/** The bot did not answer at all (as opposed to refusing): a caller with another way in may take it. */
export class BotUnreachableError extends UserError {}

function baseUrl(config: Config): string {
  const l = parseListen(config.http.listen)!;
  const host = l.host === '0.0.0.0' ? '127.0.0.1' : l.host === '::' ? '::1' : l.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${l.port}`;
}
