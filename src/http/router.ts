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

/** Thrown by a handler for a request the client got wrong: answered as 400 with a JSON body naming the field. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string, readonly headers?: Record<string, string>) {
    super(message);
  }
}

/** Method + path routing with `:name` segments; nothing more is needed. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler, opts: RouteOptions = {}): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' + path.replace(/:([a-z]+)/g, (_, k: string) => {
        keys.push(k);
        return '([^/]+)';
      }) + '/?$',
    );
    this.routes.push({ method, pattern, keys, handler, opts });
    return this;
  }

  /**
   * The handler for a request, 'method' when the path exists with another
   * method, or null. A literal path wins over a pattern, so that
   * `GET /api/v1/alerts/alertmanager` is a 405, not alert id "alertmanager".
   */
  match(method: string, path: string): { handler: Handler; params: Record<string, string>; opts: RouteOptions } | 'method' | null {
    const literal = this.routes.filter((r) => r.keys.length === 0 && r.pattern.test(path));
    const candidates = literal.length > 0 ? literal : this.routes;
    let pathMatched = false;
    for (const r of candidates) {
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
