/**
 * Syslog over UDP and TCP. Transport only: decoded, parsed messages go to a
 * `sink` that commits them to the store; a TCP connection is not read on
 * until what it sent is committed.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { SyslogFrameDecoder } from './framing.js';
import { parseSyslog, type SyslogMessage } from './parse.js';

export interface SyslogListenerOptions {
  udp?: { host: string; port: number };
  tcp?: { host: string; port: number };
  /** Stores the messages (one transaction per call); rejecting means they were not stored. */
  sink: (messages: SyslogMessage[], transport: 'udp' | 'tcp') => Promise<void>;
  log: Logger;
  now?: () => Date;
  /** IANA zone for BSD timestamps, which carry none. Default UTC. */
  timezone?: string;
  /** TCP connections open at once; more are refused. Default 256. */
  maxConnections?: number;
  /** Close a TCP connection silent this long. Default: never (senders keep quiet connections open). */
  idleTimeoutMs?: number;
}

export interface SyslogListenerStats {
  udpDatagrams: number;
  /** TCP connections open now. */
  tcpConnections: number;
  /** UDP messages received but not stored because the sink failed (UDP has no resend). */
  lost: number;
}

/** Large enough to ride out a burst while the sink commits; the kernel may cap it (net.core.rmem_max). */
const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

export class SyslogListener {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<Socket>();
  private pendingUdp: { text: string; from: string }[] = [];
  /** UDP batches are stored one after the other; datagrams that arrive meanwhile make the next batch. */
  private udpChain: Promise<void> = Promise.resolve();
  private udpFlushQueued = false;
  /** TCP batches being stored, so that stop() waits for them. */
  private readonly tcpCommits = new Set<Promise<void>>();
  private counters = { udpDatagrams: 0, lost: 0 };
  private readonly now: () => Date;

  constructor(private readonly options: SyslogListenerOptions) {
    this.now = options.now ?? (() => new Date());
    // An unknown zone would otherwise fail every BSD message; fail at start-up instead.
    if (options.timezone) new Intl.DateTimeFormat('en', { timeZone: options.timezone });
  }

  async start(): Promise<{ udp?: AddressInfo; tcp?: AddressInfo }> {
    try {
      const udp = this.options.udp ? await this.startUdp(this.options.udp) : undefined;
      const tcp = this.options.tcp ? await this.startTcp(this.options.tcp) : undefined;
      return { ...(udp && { udp }), ...(tcp && { tcp }) };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Stops listening. Datagrams already received and TCP messages being stored
   * are committed before it resolves; unfinished TCP frames are dropped.
   */
  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
    // Nothing more arrives now: store what did.
    await this.udpChain;
    await this.flushUdp();
    await Promise.all([...this.tcpCommits]);
  }

  stats(): SyslogListenerStats {
    return { ...this.counters, tcpConnections: this.connections.size };
  }

  private startUdp(at: { host: string; port: number }): Promise<AddressInfo> {
    const socket = createSocket({ type: isIPv6(at.host) ? 'udp6' : 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER });
    this.udp = socket;
    socket.on('message', (datagram, rinfo) => {
      this.counters.udpDatagrams++;
      this.pendingUdp.push({ text: datagram.toString('utf8'), from: plainAddress(rinfo.address) });
      this.queueUdpFlush();
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(at.port, at.host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.options.log.error({ err }, 'syslog UDP socket error'));
        resolve(socket.address());
      });
    });
  }

  /**
   * Batched per tick, and while the batch before is still being stored: one
   * sink call (one transaction) for a burst, however slow the store.
   */
  private queueUdpFlush(): void {
    if (this.udpFlushQueued) return;
    this.udpFlushQueued = true;
    setImmediate(() => {
      this.udpChain = this.udpChain.then(() => {
        this.udpFlushQueued = false;
        return this.flushUdp();
      });
    });
  }

  /** Stores the datagrams received so far. Never rejects: what cannot be stored is counted as lost. */
  private async flushUdp(): Promise<void> {
    const batch = this.pendingUdp;
    if (batch.length === 0) return;
    this.pendingUdp = [];
    try {
      const now = this.now();
      await this.options.sink(batch.map((d) => this.parse(d.text, d.from, now)), 'udp');
    } catch (err) {
      this.counters.lost += batch.length;
      this.options.log.error({ err, lost: batch.length }, 'syslog: storing UDP messages failed; they are lost');
    }
  }

  private startTcp(at: { host: string; port: number }): Promise<AddressInfo> {
    const server = createServer((socket) => this.accept(socket));
    this.tcp = server;
    server.maxConnections = this.options.maxConnections ?? 256;
    server.on('drop', (info) => this.options.log.warn({ remote: info?.remoteAddress }, 'syslog: too many TCP connections, refused one'));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.log.error({ err }, 'syslog TCP server error'));
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /** TCP batches, stored one after the other in the order they arrived. */
  private tcpChain: Promise<void> = Promise.resolve();

  private accept(socket: Socket): void {
    const remote = plainAddress(socket.remoteAddress ?? '');
    const decoder = new SyslogFrameDecoder();
    this.connections.add(socket);
    socket.setKeepAlive(true, 60_000); // finds senders that vanished without a FIN
    if (this.options.idleTimeoutMs) {
      socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    }
    // All frames of one chunk are committed in one sink call, and the
    // connection is paused meanwhile: nothing more is read from it until they
    // are stored (TCP then slows the sender down). One chain for every
    // connection keeps batches in arrival order, across senders too, and the
    // last line at 'end' after what came before it.
    let failed = false;
    const deliver = (frames: string[]) => {
      if (frames.length === 0) return;
      socket.pause();
      const now = this.now();
      const messages = frames.map((f) => this.parse(f, remote, now));
      this.tcpChain = this.tcpChain.then(async () => {
        // A batch before this one was not stored and the connection is closed:
        // storing what came after it would leave a gap the sender cannot see.
        if (failed) return;
        try {
          await this.options.sink(messages, 'tcp');
          if (!socket.destroyed) socket.resume();
        } catch (err) {
          failed = true;
          // Closing tells the sender these were not taken; it may resend them.
          this.options.log.error({ err, remote, frames: messages.length }, 'syslog: storing TCP messages failed; closing the connection');
          socket.destroy();
        }
      });
      const commit = this.tcpChain;
      this.tcpCommits.add(commit);
      void commit.finally(() => this.tcpCommits.delete(commit)); // never rejects
    };
    socket.on('data', (chunk: Buffer) => deliver(decoder.push(chunk)));
    // A last line without its newline is still a message.
    socket.on('end', () => deliver(decoder.flush()));
    socket.on('error', (err) => this.options.log.debug({ err, remote }, 'syslog TCP connection error'));
    socket.on('close', () => this.connections.delete(socket));
  }

  private parse(text: string, from: string, now: Date): SyslogMessage {
    return parseSyslog(text, from, now, { timezone: this.options.timezone });
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) as `10.0.0.1`. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
