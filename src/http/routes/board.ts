import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../clock.js';
import type { FleetView } from '../../domain/board/fleet-view.js';
import type { BoardVersion } from '../../domain/board/version.js';
import type { Services } from '../../services.js';
import { BOARD_CSS, BOARD_JS } from '../board/assets.js';
import { html } from '../board/html.js';
import { htmlResponse, page } from '../board/layout.js';
import type { PageHandler } from '../board/pages/page.js';
import { HttpError, type Handler, type HttpRequest, type Router } from '../router.js';

export interface BoardAuth {
  /** `?token=…` once (kept in a cookie) or `Authorization: Bearer …`. */
  token?: string | undefined;
  basic?: { user: string; password: string } | undefined;
}

/** How often the live-update stream looks for changes, and says it is alive. */
const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;
const COOKIE = 'opsbridge_board';

/**
 * The status board: read-only HTML pages on the HTTP port, one stylesheet,
 * one script, and `/events`, a server-sent event stream that says "change"
 * when alerts, host statuses, maintenance windows or tickets changed (read
 * from the store, so changes made by another process count too).
 */
export function boardRoutes(
  router: Router,
  deps: { services: Services; fleet: FleetView; version: BoardVersion; clock: Clock; timezone: string; auth: BoardAuth; pages: Record<string, PageHandler> },
): void {
  const guard = boardGuard(deps.auth);
  const asset = (type: string, body: string): Handler => guard(() => ({ status: 200, body, headers: { 'content-type': type, 'cache-control': 'no-cache' } }));
  router.add('GET', '/board.css', asset('text/css; charset=utf-8', BOARD_CSS));
  router.add('GET', '/board.js', asset('text/javascript; charset=utf-8', BOARD_JS));

  for (const [path, handler] of Object.entries(deps.pages)) {
    router.add('GET', path, guard(async (req) => {
      const ctx = { services: deps.services, fleet: deps.fleet, clock: deps.clock, timezone: deps.timezone, query: req.url.searchParams, params: req.params };
      const fragment = req.headers['x-board-fragment'] === '1';
      const result = await handler(ctx);
      if (!result) {
        const body = html`<h1>Not found</h1><p>Nothing at <code>${req.url.pathname}</code>. <a href="/">Back to the fleet</a></p>`;
        return htmlResponse(page({ title: 'Not found', section: null, body, fragment }), 404);
      }
      return htmlResponse(page({ ...result, fragment }));
    }));
  }

  const changes = new VersionPoller(() => deps.version.current());
  router.add('GET', '/events', guard(async () => {
    // Read before the head goes out: a store that cannot answer fails the request, not the stream.
    const first = await changes.current();
    return {
      status: 200,
      body: null,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' },
      stream: (res) => {
        let last = first;
        let quiet = 0;
        res.write(`retry: 3000\nevent: hello\ndata: ${last}\n\n`);
        const stop = changes.watch((now) => {
          quiet += POLL_MS;
          if (now !== last) {
            last = now;
            quiet = 0;
            res.write(`event: change\ndata: ${now}\n\n`);
          } else if (quiet >= HEARTBEAT_MS) {
            quiet = 0;
            res.write(': alive\n\n');
          }
        });
        res.on('close', stop);
      },
    };
  }));
}

/**
 * One read of the store's version per second for every open page together,
 * not one per page: it runs only while someone watches.
 */
class VersionPoller {
  private readonly watchers = new Set<(version: string) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** A read in flight: a slow store skips ticks rather than piling reads up. */
  private reading = false;

  constructor(private readonly read: () => Promise<string>) {}

  current(): Promise<string> {
    return this.read();
  }

  /** Calls `fn` with the version every POLL_MS; returns how to stop. */
  watch(fn: (version: string) => void): () => void {
    this.watchers.add(fn);
    // tick() handles its own errors, so nothing is left to reject.
    this.timer ??= setInterval(() => void this.tick(), POLL_MS).unref();
    return () => {
      this.watchers.delete(fn);
      if (this.watchers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private async tick(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    let now: string;
    try {
      now = await this.read();
    } catch {
      return; // a busy or unreachable store: look again next time
    } finally {
      this.reading = false;
    }
    for (const fn of this.watchers) fn(now);
  }
}

/**
 * Optional access control for the whole board (`board.token`,
 * `board.basic`): either one admits; with neither the board is open, as the
 * API's reads are. Comparisons are constant-time.
 */
function boardGuard(auth: BoardAuth): (h: Handler) => Handler {
  if (!auth.token && !auth.basic) return (h) => h;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const same = (a: string, b: Buffer) => timingSafeEqual(digest(a), b);
  const token = auth.token ? digest(auth.token) : undefined;
  const basic = auth.basic ? digest(`${auth.basic.user}:${auth.basic.password}`) : undefined;
  const admitted = (req: HttpRequest): { ok: boolean; setCookie?: boolean } => {
    if (token) {
      const q = req.url.searchParams.get('token');
      if (q !== null && same(q, token)) return { ok: true, setCookie: true };
      const cookie = cookieValue(req.headers, COOKIE);
      if (cookie !== undefined && same(cookie, token)) return { ok: true };
      const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
      if (bearer && same(bearer[1]!, token)) return { ok: true };
    }
    if (basic) {
      const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(String(req.headers.authorization ?? ''));
      if (m && same(Buffer.from(m[1]!, 'base64').toString('utf8'), basic)) return { ok: true };
    }
    return { ok: false };
  };
  return (h) => async (req) => {
    const a = admitted(req);
    if (!a.ok) {
      throw new HttpError(401, 'the status board needs its token (?token=…) or a login', undefined, basic ? { 'www-authenticate': 'Basic realm="opsbridge", charset="UTF-8"' } : undefined);
    }
    const r = await h(req);
    if (!a.setCookie) return r;
    // The token leaves the address bar: a cookie carries it from now on (and to /events, which cannot send headers).
    const cookie = `${COOKIE}=${encodeURIComponent(req.url.searchParams.get('token')!)}; Path=/; HttpOnly; SameSite=Strict`;
    return { ...r, headers: { ...r.headers, 'set-cookie': cookie } };
  };
}

function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const part of String(headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
