import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { errorId, InputError } from '../errors.js';
import { StoreUnavailableError } from '../store/sql.js';
import { HttpError, type HttpResponse, type Router } from './router.js';

/** Seconds a client is asked to wait when the store cannot be reached. */
const STORE_RETRY_AFTER_S = 5;

export interface HttpServerOptions {
  /** Largest request body read; a bigger one is answered 413 without reading it all. */
  maxBodyBytes: number;
}

/**
 * The HTTP API. Answers are JSON unless a route says otherwise; a client
 * error names what was wrong, a server error carries an id that is in the
 * log. The process never dies from a request.
 */
export class HttpServer {
  private server: Server | undefined;

  constructor(private readonly router: Router, private readonly log: Logger, private readonly opts: HttpServerOptions) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      this.respond(req).then((r) => {
        if (r.stream && r.status === 200) {
          res.writeHead(200, { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...r.headers });
          r.stream(res);
          return;
        }
        const raw = typeof r.body === 'string' && r.headers?.['content-type'] !== undefined;
        const body = r.status === 204 ? '' : raw ? (r.body as string) : JSON.stringify(r.body) + '\n';
        res.writeHead(r.status, {
          'content-type': 'application/json; charset=utf-8',
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
          ...r.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      }).catch((err: unknown) => {
        // Writing the answer failed (a body that cannot be serialised, a socket gone): never crash for it.
        this.log.error({ err }, 'cannot write an HTTP answer');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end();
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

  private async respond(req: IncomingMessage): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      req.resume();
      return { status: 400, body: { error: 'malformed URL' } };
    }
    try {
      const m = this.router.match(method, url.pathname);
      if (m === null || m === 'method') {
        req.resume();
        if (m === null) return { status: 404, body: { error: `no route ${method} ${url.pathname}` } };
        return { status: 405, body: { error: `${method} is not allowed on ${url.pathname}` } };
      }
      if (m.opts.beforeBody) {
        try {
          m.opts.beforeBody(req.headers);
        } catch (err) {
          req.resume();
          // The unread body is not worth draining: the answer closes the connection.
          if (err instanceof HttpError) return { status: err.status, body: { error: err.message }, headers: { ...err.headers, connection: 'close' } };
          throw err;
        }
      }
      const limit = m.opts.maxBodyBytes ?? this.opts.maxBodyBytes;
      const body = await this.readBody(req, limit);
      if (body === 'too large') return { status: 413, body: { error: `request body over the limit of ${limit} bytes` }, headers: { connection: 'close' } };
      return await m.handler({ method, url, params: m.params, headers: req.headers, body });
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, body: { error: err.message, ...(err.field && { field: err.field }) }, ...(err.headers && { headers: err.headers }) };
      if (err instanceof InputError) return { status: 400, body: { error: err.message, field: err.field } };
      if (err instanceof URIError) return { status: 400, body: { error: 'malformed percent-encoding in the path' } };
      if (err instanceof StoreUnavailableError) {
        // Nothing was committed: a sender that retries loses nothing (Alertmanager and syslog relays do).
        this.log.warn({ err, method, path: url.pathname }, 'store unavailable; answered 503');
        return { status: 503, body: { error: `the store is unavailable, try again: ${err.message}` }, headers: { 'retry-after': String(STORE_RETRY_AFTER_S) } };
      }
      const id = errorId();
      this.log.error({ err, errorId: id, method, path: url.pathname }, 'HTTP handler failed');
      return { status: 500, body: { error: `internal error (id ${id})` } };
    }
  }

  /** The whole body, or 'too large' as soon as it passes the limit (the rest is not read). */
  private readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      return Promise.resolve('too large');
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          // Stop buffering; the answer closes the connection.
          req.removeAllListeners('data');
          req.resume();
          resolve('too large');
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}
