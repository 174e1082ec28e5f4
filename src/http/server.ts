import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
    const server = createServer((req, res) => this.handle(req, res, false));
    // Without this listener Node answers `Expect: 100-continue` with 100 by
    // itself; the route, the token and the declared size are checked first.
    server.on('checkContinue', (req, res) => this.handle(req, res, true));
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

  private handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    this.respond(req, expectsContinue ? () => res.writeContinue() : undefined).then((r) => {
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
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  /** `sendContinue`: the client waits for `100 Continue` before it sends the body. */
  private async respond(req: IncomingMessage, sendContinue?: () => void): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return this.unread(req, sendContinue, { status: 400, body: { error: 'malformed URL' } });
    }
    try {
      const m = this.router.match(method, url.pathname);
      if (m === null || m === 'method') {
        if (m === null) return this.unread(req, sendContinue, { status: 404, body: { error: `no route ${method} ${url.pathname}` } });
        return this.unread(req, sendContinue, { status: 405, body: { error: `${method} is not allowed on ${url.pathname}` } });
      }
      if (m.opts.beforeBody) {
        try {
          m.opts.beforeBody(req.headers);
        } catch (err) {
          if (err instanceof HttpError) return refuse(req, { status: err.status, body: { error: err.message }, ...(err.headers && { headers: err.headers }) });
          throw err;
        }
      }
      const limit = m.opts.maxBodyBytes ?? this.opts.maxBodyBytes;
      const tooLarge = { status: 413, body: { error: `request body over the limit of ${limit} bytes` } };
      // Refused on the declared length alone: none of the body is read (or asked for).
      if (Number(req.headers['content-length']) > limit) return refuse(req, tooLarge);
      sendContinue?.();
      const body = await this.readBody(req, limit);
      if (body === 'too large') return refuse(req, tooLarge);
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

  /**
   * An answer given without the body. A body the client was going to send
   * anyway is drained (the connection stays open); one it is waiting to be
   * asked for is never asked for, and the connection is closed so that
   * whatever it sends next is not read as a request.
   */
  private unread(req: IncomingMessage, sendContinue: (() => void) | undefined, r: HttpResponse): HttpResponse {
    if (sendContinue) return refuse(req, r);
    req.resume();
    return r;
  }

  /** The whole body, or 'too large' as soon as it passes the limit (the rest is not kept). */
  private readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          req.off('data', onData);
          resolve('too large');
          return;
        }
        chunks.push(c);
      };
      req.on('data', onData);
      req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}

/** How long a refused request's connection may go on sending before it is cut. */
const LINGER_MS = 2_000;

/**
 * Answers `r` and closes the connection without reading the rest of the
 * body. Node closes a `connection: close` answer's socket as soon as the
 * answer is written; if the client is still sending, the bytes left unread
 * make the kernel reset the connection, which can throw the answer away
 * before the client reads it. So the socket is half-closed after the answer
 * and what still arrives is discarded, for LINGER_MS at most.
 */
function refuse(req: IncomingMessage, r: HttpResponse): HttpResponse {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  };
  req.resume();
  return { ...r, headers: { ...r.headers, connection: 'close' } };
}
