import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** The request body (empty for GET). */
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A long-lived answer (server-sent events): gets the response after the head is written, and ends it itself. */
  stream?: (res: ServerResponse) => void;
}

export type Handler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  opts: RouteOptions;
}

export interface RouteOptions {
  /** A route that takes larger bodies than the server's default (git pushes). */
  maxBodyBytes?: number;
  /** Checks the headers before the body is read (throws an HttpError): a big body is read only for a caller that may send one. */
  beforeBody?: (headers: IncomingMessage['headers']) => void;
}

/**
 * A handler that carries a check of the headers alone (the bearer token of
 * `withToken`): the router runs it as the route's `beforeBody`, so a caller
 * without the token is refused before its body is read (and before a
 * `100 Continue`), and `handler` is what then runs, without checking again.
 */
export const HEADER_CHECK = Symbol('header check');
export interface HeaderCheck {
  check: NonNullable<RouteOptions['beforeBody']>;
  handler: Handler;
}

/** Thrown by a handler for a request the client got wrong: answered as 400 with a JSON body naming the field. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string, readonly headers?: Record<string, string>) {
    super(message);
  }
}

/** Method + path routing with `:name` segments; nothing more is needed. */
export class Router {
  /** Routes without `:name` segments by exact path (with and without the trailing slash): one lookup per request. */
  private readonly literal = new Map<string, Route[]>();
  private readonly patterned: Route[] = [];

  add(method: string, path: string, handler: Handler, opts: RouteOptions = {}): this {
    const guard = (handler as Handler & { [HEADER_CHECK]?: HeaderCheck })[HEADER_CHECK];
    if (guard) {
      const own = opts.beforeBody;
      opts = { ...opts, beforeBody: own ? (h) => (guard.check(h), own(h)) : guard.check };
      handler = guard.handler;
    }
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' + path.replace(/:([a-z]+)/g, (_, k: string) => {
        keys.push(k);
        return '([^/]+)';
      }) + '/?$',
    );
    const route = { method, pattern, keys, handler, opts };
    if (keys.length > 0) this.patterned.push(route);
    else for (const p of new Set([path, path.endsWith('/') ? path.slice(0, -1) : path + '/'])) this.literal.set(p, [...(this.literal.get(p) ?? []), route]);
    return this;
  }

  /**
   * The handler for a request, 'method' when the path exists with another
   * method, or null. A literal path wins over a pattern, so that
   * `GET /api/v1/alerts/alertmanager` is a 405, not alert id "alertmanager".
   */
  match(method: string, path: string): { handler: Handler; params: Record<string, string>; opts: RouteOptions } | 'method' | null {
    const literal = this.literal.get(path);
    if (literal) {
      for (const r of literal) if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { handler: r.handler, params: {}, opts: r.opts };
      return 'method';
    }
    let pathMatched = false;
    for (const r of this.patterned) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]!);
      });
      return { handler: r.handler, params, opts: r.opts };
    }
    return pathMatched ? 'method' : null;
  }
}
