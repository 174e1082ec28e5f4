import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/ports.js';

/**
 * Issue 16: a body over the limit is refused from the headers (Content-Length,
 * or `Expect: 100-continue` answered with the refusal instead of 100), a
 * chunked one as soon as it passes the limit; a caller without the token is
 * refused before it is asked for the body. Raw sockets, so the tests see what
 * goes over the wire and send the body only when they mean to.
 */

const TOKEN = 'test-token-0123456789';
const LIMIT = 4096;

let t: TestBot;
let port: number;

beforeAll(async () => {
  t = await startTestBot({
    http: { listen: '127.0.0.1:0', token: TOKEN, max_body_bytes: LIMIT },
    irc: { host: '127.0.0.1', port: await freePort(), tls: false, channels: ['#alerts'] },
    alerts: { routes: [{ to: ['irc:#alerts'] }] },
  });
  port = t.bot.http.port;
});
afterAll(async () => {
  await t?.stop();
});

const stored = async () => ({
  alerts: (await t.bot.core.db.value<number>('SELECT COUNT(*) FROM alerts'))!,
  outbox: (await t.bot.core.db.value<number>('SELECT COUNT(*) FROM outbox'))!,
});

/** A raw connection: everything received so far, and whether the server closed it. */
interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves once what was received matches; fails after the timeout with what came. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** What was received after `ms` more milliseconds of nothing being asked. */
  quiet(ms: number): Promise<string>;
}

async function raw(): Promise<Raw> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  // The server may reset a connection it cut: that is a close too.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    received: () => text,
    closed,
    async waitFor(re, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms; received: ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return text;
    },
    async quiet(ms) {
      await new Promise((r) => setTimeout(r, ms));
      return text;
    },
  };
}

const alert = (i: number) => JSON.stringify({ title: `Limits${i}`, severity: 'warning', host: 'web01' });

function head(lines: string[]): string {
  return ['POST /api/v1/alerts HTTP/1.1', 'Host: 127.0.0.1', ...lines, '', ''].join('\r\n');
}

describe('request bodies over the limit', () => {
  it('answers 413 on the Content-Length alone, without the body being sent, and closes', async () => {
    const before = await stored();
    const c = await raw();
    c.socket.write(head([`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', `Content-Length: ${LIMIT * 100}`]));
    const text = await c.waitFor(/\r\n\r\n[^]*\n/);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toContain(`over the limit of ${LIMIT} bytes`);
    c.socket.end();
    await c.closed;
    expect(await stored()).toEqual(before);
  });

  it('Expect: 100-continue with a small body: 100 Continue, then the body, then 202', async () => {
    const before = await stored();
    const body = alert(1);
    const c = await raw();
    c.socket.write(head([`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Expect: 100-continue']));
    await c.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    // Nothing but the 100 until the body comes.
    expect(await c.quiet(100)).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    c.socket.write(body);
    const text = await c.waitFor(/HTTP\/1\.1 202 [^]*\r\n\r\n[^]*\n/);
    expect(text).toContain('"accepted":1');
    c.socket.end();
    await c.closed;
    const after = await stored();
    expect(after.alerts).toBe(before.alerts + 1);
  });

  it('Expect: 100-continue with a body over the limit: 413 and no 100', async () => {
    const before = await stored();
    const c = await raw();
    c.socket.write(head([`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', `Content-Length: ${LIMIT + 1}`, 'Expect: 100-continue']));
    const text = await c.waitFor(/\r\n\r\n[^]*\n/);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).not.toContain('100 Continue');
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    await c.closed;
    expect(await stored()).toEqual(before);
  });

  it('Expect: 100-continue without the token: 401 and no 100', async () => {
    const before = await stored();
    const body = alert(2);
    const c = await raw();
    c.socket.write(head(['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Expect: 100-continue']));
    const text = await c.waitFor(/\r\n\r\n[^]*\n/);
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text).not.toContain('100 Continue');
    expect(text).toMatch(/\r\nwww-authenticate: Bearer\r\n/i);
    await c.closed;
    expect(await stored()).toEqual(before);
  });

  it('Expect: 100-continue with a wrong token: 401 and no 100', async () => {
    const c = await raw();
    c.socket.write(head(['Authorization: Bearer not-the-token', 'Content-Length: 20', 'Expect: 100-continue']));
    const text = await c.waitFor(/\r\n\r\n[^]*\n/);
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text).not.toContain('100 Continue');
    await c.closed;
  });

  it('a chunked body is refused with 413 as soon as it passes the limit, and the connection closed', async () => {
    const before = await stored();
    const c = await raw();
    c.socket.write(head([`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked']));
    // The JSON never ends: only the limit can end this request.
    const chunk = 'x'.repeat(1000);
    c.socket.write(`${(1).toString(16)}\r\n[\r\n`);
    for (let sent = 1; sent <= LIMIT + 1000 && !/HTTP\/1\.1/.test(c.received()); sent += chunk.length) {
      c.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const text = await c.waitFor(/\r\n\r\n[^]*\n/);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    // The server stops there: it neither waits for the last chunk nor keeps the connection.
    await c.closed;
    expect(await stored()).toEqual(before);
  });

  it('a chunked body the client keeps sending after the 413 is cut off, the 413 intact', async () => {
    const before = await stored();
    const c = await raw();
    c.socket.write(head([`Authorization: Bearer ${TOKEN}`, 'Transfer-Encoding: chunked']));
    const chunk = 'y'.repeat(16_384);
    let writing = true;
    void (async () => {
      while (writing && !c.socket.destroyed) {
        c.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const text = await c.waitFor(/\r\n\r\n[^]*\n/);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    await c.closed;
    writing = false;
    expect(await stored()).toEqual(before);
  });

  it('a body within the limit on a keep-alive connection is still accepted, twice', async () => {
    const c = await raw();
    for (const i of [3, 4]) {
      const body = alert(i);
      const from = c.received().length;
      c.socket.write(head([`Authorization: Bearer ${TOKEN}`, `Content-Length: ${Buffer.byteLength(body)}`]) + body);
      await c.waitFor(new RegExp(`^[^]{${from}}HTTP/1\\.1 202 [^]*\\r\\n\\r\\n[^]*\\n`));
    }
    c.socket.end();
    await c.closed;
  });
});
