import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyslogMessage } from '../../src/ingest/syslog/parse.js';
import { SyslogListener, type SyslogListenerOptions } from '../../src/ingest/syslog/listener.js';
import { freePort } from '../helpers/ports.js';

/** The sink the app would commit to the store: here, an array, a switch to make it fail, and a commit time. */
class ArraySink {
  batches: SyslogMessage[][] = [];
  failures = 0;
  /** How long a commit takes. */
  delayMs = 0;
  /** Calls under way now, and the most seen at once. */
  busy = 0;
  maxBusy = 0;
  started = 0;
  readonly sink = async (messages: SyslogMessage[]) => {
    this.started++;
    this.maxBusy = Math.max(this.maxBusy, ++this.busy);
    try {
      await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failures > 0) {
        this.failures--;
        throw new Error('database is locked');
      }
      this.batches.push(messages);
    } finally {
      this.busy--;
    }
  };
  get messages() {
    return this.batches.flat();
  }
}

let listener: SyslogListener | undefined;
let sink: ArraySink;
let udpPort: number;
let tcpPort: number;
let logs: { level: number; msg: string }[];
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
});

async function start(options: Partial<SyslogListenerOptions> = {}) {
  sink = new ArraySink();
  logs = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  listener = new SyslogListener({ udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 }, sink: sink.sink, log, ...options });
  const addresses = await listener.start();
  udpPort = addresses.udp?.port ?? 0;
  tcpPort = addresses.tcp?.port ?? 0;
  return addresses;
}

async function until(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the real util-linux logger against the listener. */
function logger(args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('logger', ['--server', '127.0.0.1', ...args], { timeout: 5000 }, (err, _out, stderr) => (err ? reject(new Error(`logger ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve()));
    if (stdin === undefined) child.stdin!.end();
    else child.stdin!.end(stdin);
  });
}
const udp = (...args: string[]) => ['--port', String(udpPort), '--udp', ...args];
const tcp = (...args: string[]) => ['--port', String(tcpPort), '--tcp', ...args];

async function received(n: number) {
  await until(() => sink.messages.length >= n, `${n} messages (have ${sink.messages.length})`);
  return sink.messages;
}

/** logger writes gethostname(); in BSD format only up to the first dot. */
const thisHost = [hostname(), hostname().split('.')[0]];

function sendUdp(payload: Buffer | string): Promise<void> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => s.send(payload, udpPort, '127.0.0.1', (err) => (s.close(), err ? reject(err) : resolve())));
}

function openTcp(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(tcpPort, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('syslog from the real logger', () => {
  it('UDP, RFC 5424, with facility and severity', async () => {
    const before = Date.now();
    await start();
    await logger(udp('--rfc5424', '-t', 'app', '-p', 'local0.err', 'disk full on /var'));
    const [m] = await received(1);
    expect(m).toMatchObject({
      format: 'rfc5424',
      malformed: false,
      facility: 16,
      severity: 3,
      appName: 'app',
      procId: null,
      msgId: null,
      structuredData: expect.stringContaining('[timeQuality '),
      message: 'disk full on /var',
      remoteAddress: '127.0.0.1',
    });
    expect(thisHost).toContain(m!.hostname);
    expect(m!.timestamp!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(m!.timestamp!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(listener!.stats()).toMatchObject({ udpDatagrams: 1, lost: 0 });
  });

  it('UDP, RFC 3164, with a PID', async () => {
    await start();
    await logger(udp('--rfc3164', '-i', '-t', 'cron', '-p', 'cron.warning', 'job took too long'));
    const [m] = await received(1);
    expect(m).toMatchObject({ format: 'rfc3164', facility: 9, severity: 4, appName: 'cron', procId: expect.stringMatching(/^\d+$/), message: 'job took too long' });
    expect(thisHost).toContain(m!.hostname);
    // BSD timestamps have whole seconds and no zone; logger writes local time, UTC here.
    expect(Math.abs(m!.timestamp!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('TCP with --octet-count', async () => {
    await start();
    await logger(tcp('--octet-count', '--rfc5424', '-t', 'deploy', '-p', 'user.notice', 'release 42 out'));
    const [m] = await received(1);
    expect(m).toMatchObject({ format: 'rfc5424', facility: 1, severity: 5, appName: 'deploy', message: 'release 42 out' });
    expect(thisHost).toContain(m!.hostname);
  });

  it('TCP without octet counting (LF-terminated)', async () => {
    await start();
    await logger(tcp('--rfc5424', '-t', 'deploy', '-p', 'daemon.info', 'plain framing'));
    expect((await received(1))[0]).toMatchObject({ format: 'rfc5424', facility: 3, severity: 6, appName: 'deploy', message: 'plain framing' });
  });

  it('TCP, RFC 3164, both framings', async () => {
    await start();
    await logger(tcp('--rfc3164', '-t', 'a', '-p', 'auth.crit', 'bsd lf'));
    await logger(tcp('--rfc3164', '--octet-count', '-t', 'b', '-p', 'auth.crit', 'bsd counted'));
    const ms = await received(2);
    expect(ms.map((m) => [m.format, m.facility, m.severity, m.appName, m.message])).toEqual([
      ['rfc3164', 4, 2, 'a', 'bsd lf'],
      ['rfc3164', 4, 2, 'b', 'bsd counted'],
    ]);
  });

  it('message id and structured data with escapes', async () => {
    await start();
    await logger(tcp('--octet-count', '-t', 'app', '--msgid', 'ID47', '--sd-id', 'deploy@32473', '--sd-param', 'rev="a\\]b\\"c"', 'with sd'));
    const [m] = await received(1);
    expect(m).toMatchObject({ msgId: 'ID47', message: 'with sd' });
    expect(m!.structuredData).toMatch(/\[timeQuality [^\]]*\]\[deploy@32473 rev="a\\\]b\\"c"\]$/);
  });

  it('many lines from stdin, in order, over TCP with either framing', async () => {
    await start();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    await logger(tcp('--octet-count', '-t', 'batch'), lines.join('\n') + '\n');
    await logger(tcp('-t', 'batch'), lines.join('\n') + '\n');
    const ms = await received(400);
    expect(ms.map((m) => m.message)).toEqual([...lines, ...lines]);
    expect(ms.every((m) => m.appName === 'batch' && !m.malformed)).toBe(true);
  });

  it('a file over UDP; an empty line is sent as an empty message', async () => {
    await start();
    const dir = mkdtempSync(join(tmpdir(), 'opsbridge-syslog-'));
    try {
      writeFileSync(join(dir, 'log.txt'), 'first\nsecond\n\nthird\n');
      await logger(udp('-t', 'file', '-f', join(dir, 'log.txt')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const ms = await received(4);
    // Datagrams may overtake each other; the set is what matters.
    expect(ms.map((m) => m.message).sort()).toEqual(['', 'first', 'second', 'third']);
  });

  it('unicode, over UDP and TCP', async () => {
    await start();
    const text = 'héllo ✓ 日本語 😀 Ωμέγα';
    await logger(udp('-t', 'uni', text));
    await until(() => sink.messages.length === 1, 'the UDP message');
    await logger(tcp('--octet-count', '-t', 'uni', text));
    const ms = await received(2);
    expect(ms.map((m) => m.message)).toEqual([text, text]);
  });

  it('UDP and TCP on the same fixed port number', async () => {
    const port = await freePort();
    const addresses = await start({ udp: { host: '127.0.0.1', port }, tcp: { host: '127.0.0.1', port } });
    expect(addresses.udp?.port).toBe(port);
    expect(addresses.tcp?.port).toBe(port);
    await logger(['--port', String(port), '--udp', '-t', 'u', 'via udp']);
    await logger(['--port', String(port), '--tcp', '-t', 't', 'via tcp']);
    const ms = await received(2);
    expect(ms.map((m) => m.message).sort()).toEqual(['via tcp', 'via udp']);
  });
});

describe('syslog listener: garbage and misbehaving clients', () => {
  it('binary garbage over TCP is kept as malformed and the connection goes on', async () => {
    await start();
    const s = await openTcp();
    s.write(Buffer.concat([Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x1b]), Buffer.from('junk\n<999>too high\n<13>1 - h app - - - fine\n')]));
    const ms = await received(3);
    expect(ms[0]).toMatchObject({ format: 'raw', malformed: true, severity: null, message: '\ufffd\ufffd\ufffd\ufffdjunk' });
    expect(ms[1]).toMatchObject({ malformed: true, message: '<999>too high' });
    expect(ms[2]).toMatchObject({ malformed: false, appName: 'app', message: 'fine' });
    s.end();
    await logger(tcp('-t', 'after', 'still listening'));
    expect((await received(4))[3]).toMatchObject({ appName: 'after', message: 'still listening' });
  });

  it('garbage and empty datagrams over UDP are kept as malformed; UDP goes on', async () => {
    await start();
    await sendUdp(Buffer.from([0xc3, 0x28, 0x00, 0x07, 0x41]));
    await sendUdp('');
    await sendUdp('no priority here\n');
    await until(() => sink.messages.length === 3, 'three datagrams');
    expect(sink.messages.map((m) => [m.malformed, m.message]).sort()).toEqual([
      [true, ''],
      [true, 'no priority here'],
      [true, '\ufffd(\ufffd\ufffdA'],
    ]);
    await logger(udp('-t', 'after', 'still listening'));
    expect((await received(4))[3]).toMatchObject({ malformed: false, message: 'still listening' });
  });

  it('a last line without LF is taken when the client disconnects', async () => {
    await start();
    const s = await openTcp();
    s.end('<13>1 - h app - - - no newline at the end');
    expect((await received(1))[0]).toMatchObject({ malformed: false, message: 'no newline at the end' });
  });

  it('a counted frame cut by a disconnect is kept as malformed, with its count', async () => {
    await start();
    const s = await openTcp();
    s.write('60 <13>1 - h app - - - only half');
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    expect((await received(1))[0]).toMatchObject({ malformed: true, message: '60 <13>1 - h app - - - only half' });
    await until(() => listener!.stats().tcpConnections === 0, 'the connection to close');
  });

  it('frames arriving in one chunk are stored in one sink call', async () => {
    await start();
    const s = await openTcp();
    s.write(['<13>a', '<13>b', '<13>c', '<13>d', '<13>e'].map((m) => `${m}\n`).join(''));
    await received(5);
    expect(sink.batches.map((b) => b.length)).toEqual([5]);
    s.end();
  });

  it('with a slow store, one connection is read on only once its batch is stored, in order', async () => {
    await start();
    sink.delayMs = 30;
    const s = await openTcp();
    for (let i = 0; i < 5; i++) {
      s.write(`<13>1 - h app - - - line ${i}\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
    s.end();
    expect((await received(5)).map((m) => m.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(sink.maxBusy).toBe(1);
  });

  it('stop() waits for the datagrams being stored', async () => {
    await start();
    sink.delayMs = 50;
    await sendUdp('<13>1 - h app - - - in flight');
    await until(() => sink.started === 1, 'the commit to start');
    await listener!.stop();
    expect(sink.messages.map((m) => m.message)).toEqual(['in flight']);
  });

  it('when the sink fails, the TCP connection is closed, nothing crashes, and the next connection works', async () => {
    await start();
    sink.failures = 1;
    const s = await openTcp();
    s.write('<13>1 - h app - - - not stored\n');
    await closed(s);
    expect(logs.some((l) => l.level === 50 && l.msg.includes('closing the connection'))).toBe(true);
    await logger(tcp('-t', 'app', 'stored'));
    expect((await received(1)).map((m) => m.message)).toEqual(['stored']);
    expect(listener!.stats().lost).toBe(0);
  });

  it('when the sink fails on UDP, the messages are counted as lost and UDP goes on', async () => {
    await start();
    sink.failures = 1;
    await logger(udp('-t', 'app', 'lost one'));
    await until(() => listener!.stats().lost === 1, 'the loss to be counted');
    await logger(udp('-t', 'app', 'kept one'));
    expect((await received(1))[0]!.message).toBe('kept one');
    expect(listener!.stats()).toMatchObject({ udpDatagrams: 2, lost: 1 });
  });

  it('a burst of datagrams is stored in fewer sink calls than datagrams', async () => {
    await start();
    const s = createSocket('udp4');
    await Promise.all(Array.from({ length: 300 }, (_, i) => new Promise<void>((resolve) => s.send(`<14>1 - h burst - - - ${i}`, udpPort, '127.0.0.1', () => resolve()))));
    s.close();
    await received(300);
    expect(new Set(sink.messages.map((m) => m.message)).size).toBe(300);
    expect(sink.batches.length).toBeLessThan(300);
  });

  it('many concurrent connections, each in order', async () => {
    await start();
    const clients = await Promise.all(Array.from({ length: 100 }, () => openTcp()));
    await until(() => listener!.stats().tcpConnections === 100, 'all connections accepted');
    clients.forEach((s, c) => {
      for (let i = 0; i < 20; i++) {
        const msg = `<14>1 - h c${c} - - - ${i}`;
        s.write(i % 2 ? `${Buffer.byteLength(msg)} ${msg}` : `${msg}\n`);
      }
      s.end();
    });
    const ms = await received(2000);
    for (let c = 0; c < 100; c++) {
      expect(ms.filter((m) => m.appName === `c${c}`).map((m) => Number(m.message))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    await until(() => listener!.stats().tcpConnections === 0, 'all connections closed');
  });

  it('connections beyond maxConnections are refused, the others keep working', async () => {
    await start({ maxConnections: 2 });
    const [a, b] = [await openTcp(), await openTcp()];
    await until(() => listener!.stats().tcpConnections === 2, 'two connections');
    const c = await openTcp();
    await closed(c);
    a.end('<13>from a\n');
    b.end('<13>from b\n');
    expect((await received(2)).map((m) => m.message).sort()).toEqual(['from a', 'from b']);
    expect(logs.some((l) => l.msg.includes('too many TCP connections'))).toBe(true);
  });

  it('an idle connection is closed after idleTimeoutMs', async () => {
    await start({ idleTimeoutMs: 100 });
    const s = await openTcp();
    await closed(s);
    await until(() => listener!.stats().tcpConnections === 0, 'the connection to be dropped');
  });

  it('a taken port makes start() fail and leaves nothing bound', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const udpPortToFree = await freePort();
    try {
      await expect(start({ udp: { host: '127.0.0.1', port: udpPortToFree }, tcp: { host: '127.0.0.1', port: taken } })).rejects.toThrow(/EADDRINUSE/);
      // The UDP socket bound before the failure has been closed again.
      const probe = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(udpPortToFree, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      blocker.close();
    }
  });

  it('an unknown timezone is refused up front', () => {
    expect(() => new SyslogListener({ sink: async () => {}, log: pino({ level: 'silent' }), timezone: 'Nowhere/Special' })).toThrow(RangeError);
  });

  it('stop() closes open connections and frees the ports', async () => {
    await start();
    const s = await openTcp();
    await listener!.stop();
    await closed(s);
    expect(listener!.stats().tcpConnections).toBe(0);
    const again = new SyslogListener({ udp: { host: '127.0.0.1', port: udpPort }, tcp: { host: '127.0.0.1', port: tcpPort }, sink: async () => {}, log: pino({ level: 'silent' }) });
    await again.start();
    await again.stop();
  });
});
