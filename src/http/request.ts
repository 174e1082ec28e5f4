import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HEADER_CHECK, HttpError, type Handler, type HeaderCheck, type HttpRequest } from './router.js';

/** Longer bearer tokens are refused without comparing. */
const MAX_TOKEN_BYTES = 512;

/**
 * Write endpoints need `Authorization: Bearer TOKEN`. The comparison is
 * constant-time: both sides are copied into buffers of one fixed size and
 * compared with timingSafeEqual, lengths included, so neither the content
 * nor the length of the token leaks through timing.
 */
export function withToken(token: string, handler: Handler): Handler {
  const check = bearerCheck(token);
  const guarded: Handler = (req) => {
    check(req.headers);
    return handler(req);
  };
  // Registered with a router, the check runs on the headers before the body is read.
  const guard: HeaderCheck = { check, handler };
  return Object.assign(guarded, { [HEADER_CHECK]: guard });
}

/** The bearer check alone, on the headers: a route can refuse before it reads a body. */
export function bearerCheck(token: string): (headers: IncomingHttpHeaders) => void {
  const want = fixed(token);
  return (headers) => {
    const header = headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new HttpError(401, 'missing bearer token: send Authorization: Bearer TOKEN (http.token in the config)', undefined, { 'www-authenticate': 'Bearer' });
    // Longer than any token we accept: refused without comparing (fixed() would cut it).
    if (Buffer.byteLength(m[1]!) > MAX_TOKEN_BYTES || !timingSafeEqual(fixed(m[1]!), want)) throw new HttpError(401, 'invalid bearer token', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
  };
}

/** The token's bytes (at most MAX_TOKEN_BYTES) in a zeroed buffer of one size, its length in the last four bytes. */
function fixed(s: string): Buffer {
  const b = Buffer.alloc(MAX_TOKEN_BYTES + 4);
  const n = b.write(s, 0, MAX_TOKEN_BYTES, 'utf8');
  b.writeUInt32BE(n, MAX_TOKEN_BYTES);
  return b;
}

/**
 * The body parsed as JSON, or a 400 that says why not. The Content-Type is
 * not checked: `curl -d '{…}'` sends a form type, and a script posting an
 * alert at 3 a.m. should not bounce on a header.
 */
export function jsonBody(req: HttpRequest): unknown {
  return parseJson(req.body.toString('utf8'), '');
}

/** An array of JSON objects, sent as a JSON array or as NDJSON (one object per line). */
export function jsonItems(req: HttpRequest): unknown[] {
  const type = String(req.headers['content-type'] ?? '');
  const text = req.body.toString('utf8');
  if (/^application\/(x-)?ndjson\b|^application\/jsonl\b/i.test(type) || (!/^application\/json/i.test(type) && !text.trimStart().startsWith('['))) {
    const items: unknown[] = [];
    text.split('\n').forEach((l, i) => {
      if (l.trim() !== '') items.push(parseJson(l, `line ${i + 1}`));
    });
    if (items.length === 0) throw new HttpError(400, 'empty body: send a JSON array or NDJSON, one object per line');
    return items;
  }
  let body: unknown;
  try {
    body = parseJson(text, '');
  } catch (err) {
    // NDJSON sent as application/json: read it as NDJSON rather than bounce it.
    if (text.trim().includes('\n')) return jsonItems({ ...req, headers: { ...req.headers, 'content-type': 'application/x-ndjson' } });
    throw err;
  }
  return Array.isArray(body) ? body : [body];
}

function parseJson(text: string, where: string): unknown {
  if (text.trim() === '') throw new HttpError(400, `empty body${where ? ` at ${where}` : ''}: send JSON`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body is not valid JSON${where ? ` (${where})` : ''}: ${(err as Error).message}`, where || undefined);
  }
}
