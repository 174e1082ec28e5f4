import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { errorId } from '../errors.js';
import { HttpError, type HttpResponse, type Router } from './router.js';

/**
 * The HTTP API. Every answer is JSON; a client error names what was wrong, a
 * server error carries an id that is in the log. The process never dies from
 * a request.
 */
export class HttpServer {
  private server: Server | undefined;

  constructor(private readonly router: Router, private readonly log: Logger) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      void this.handle(req.method ?? 'GET', req.url ?? '/', req.headers).then((r) => {
        const body = r.status === 204 ? '' : JSON.stringify(r.body) + '\n';
        res.writeHead(r.status, {
          'content-type': 'application/json; charset=utf-8',
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
          ...r.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async handle(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://localhost');
    } catch {
      return { status: 400, body: { error: 'malformed URL' } };
    }
    try {
      const m = this.router.match(method, url.pathname);
      if (m === null) return { status: 404, body: { error: `no route ${method} ${url.pathname}` } };
      if (m === 'method') return { status: 405, body: { error: `${method} is not allowed on ${url.pathname}` } };
      return await m.handler({ method, url, params: m.params, headers });
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, body: { error: err.message, ...(err.field && { field: err.field }) } };
      if (err instanceof URIError) return { status: 400, body: { error: 'malformed percent-encoding in the path' } };
      const id = errorId();
      this.log.error({ err, errorId: id, method, path: url.pathname }, 'HTTP handler failed');
      return { status: 500, body: { error: `internal error (id ${id})` } };
    }
  }
}
