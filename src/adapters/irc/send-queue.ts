/**
 * The one queue every PRIVMSG/NOTICE of a connection goes through. A token
 * bucket keeps the bot below what the server processes (ngircd delays a
 * client to ~3 lines/s; InspIRCd disconnects one whose unread input passes
 * its recvq), so a backlog waits here, where it can be ordered, and not in
 * the server's buffer. Channels take turns line by line; urgent messages go
 * first.
 */

export interface SendQueueOptions {
  /** Lines that may go out at once after a quiet spell. */
  burst: number;
  /** Sustained lines per second. */
  rate: number;
  now?: () => number;
}

/**
 * Writes one line; calls `confirmed` once the server has it (the socket took
 * it, or the server echoed it back) or with an error when it never will.
 * Returns false when not connected.
 */
export type LineWriter = (line: string, confirmed: (err?: Error | null) => void) => boolean;

interface Message {
  target: string;
  urgent: boolean;
  lines: string[];
  /** Lines handed to the writer so far. */
  written: number;
  confirmed: number;
  done: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SendQueue {
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly urgent: Message[] = [];
  private readonly byTarget = new Map<string, Message[]>();
  /** Round-robin order of targets with lines waiting. */
  private turn: string[] = [];
  private readonly held = new Set<string>();
  /** Messages with lines written but not all confirmed. */
  private readonly inFlight = new Set<Message>();
  private writer: LineWriter | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SendQueueOptions) {
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Queues a message's lines for a target; resolves once every line is confirmed. */
  enqueue(target: string, lines: readonly string[], urgent = false): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const m: Message = { target, urgent, lines: [...lines], written: 0, confirmed: 0, done: false, resolve, reject };
      if (urgent) this.urgent.push(m);
      else {
        const q = this.byTarget.get(target);
        if (q) q.push(m);
        else {
          this.byTarget.set(target, [m]);
          this.turn.push(target);
        }
      }
      this.pump();
    });
  }

  /** Where lines go; null while disconnected (unsent messages wait). */
  setWriter(writer: LineWriter | null): void {
    this.writer = writer;
    this.pump();
  }

  /**
   * The connection is gone: a message that was partly or wholly written but
   * not confirmed may not have reached anyone, so it fails as a whole (the
   * outbox sends it again) and its unsent lines are dropped. Messages not
   * started wait for the next connection.
   */
  connectionLost(err: Error): void {
    this.writer = null;
    for (const m of [...this.inFlight]) this.fail(m, err);
    for (const m of [...this.urgent, ...[...this.byTarget.values()].flat()]) if (m.written > 0) this.fail(m, err);
  }

  /** Holds a target's lines (a channel not joined yet) until release. */
  hold(target: string): void {
    this.held.add(target.toLowerCase());
  }

  release(target: string): void {
    this.held.delete(target.toLowerCase());
    this.pump();
  }

  /** Accounts for a line the IRC library wrote itself (JOIN, PONG, WHOIS), so the bucket matches what the server sees. */
  spend(lines = 1): void {
    this.refill();
    this.tokens -= lines;
  }

  /** Lines not yet written. */
  depth(): number {
    let n = 0;
    for (const m of [...this.urgent, ...[...this.byTarget.values()].flat()]) n += m.lines.length - m.written;
    return n;
  }

  /** Fails every waiting message (the adapter is stopping). */
  failAll(err: Error): void {
    for (const m of [...this.inFlight, ...this.urgent, ...[...this.byTarget.values()].flat()]) this.fail(m, err);
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(m: Message, err: Error): void {
    if (m.done) return;
    m.done = true;
    this.inFlight.delete(m);
    this.remove(m);
    m.reject(err);
  }

  private remove(m: Message): void {
    const u = this.urgent.indexOf(m);
    if (u >= 0) this.urgent.splice(u, 1);
    const q = this.byTarget.get(m.target);
    const i = q?.indexOf(m) ?? -1;
    if (q && i >= 0) {
      q.splice(i, 1);
      if (q.length === 0) {
        this.byTarget.delete(m.target);
        this.turn = this.turn.filter((t) => t !== m.target);
      }
    }
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((t - this.last) / 1000) * this.opts.rate);
    this.last = t;
  }

  private isHeld(target: string): boolean {
    return this.held.has(target.toLowerCase());
  }

  /** The message whose next line goes out now; its target then goes to the back of the line. */
  private next(): Message | undefined {
    const u = this.urgent.find((m) => !this.isHeld(m.target));
    if (u) return u;
    const i = this.turn.findIndex((t) => !this.isHeld(t));
    if (i < 0) return undefined;
    const target = this.turn[i]!;
    this.turn.splice(i, 1);
    this.turn.push(target);
    return this.byTarget.get(target)![0];
  }

  private pump(): void {
    if (this.timer || !this.writer) return;
    this.refill();
    while (this.tokens >= 1) {
      const m = this.next();
      if (!m) return;
      const line = m.lines[m.written]!;
      const ok = this.writer(line, (err) => this.onConfirmed(m, err));
      if (!ok) {
        // Not connected after all: nothing was written, the line keeps its place.
        if (!m.urgent) this.turn = [m.target, ...this.turn.filter((t) => t !== m.target)];
        this.writer = null;
        return;
      }
      this.tokens -= 1;
      m.written++;
      this.inFlight.add(m);
      if (m.written === m.lines.length) this.remove(m);
    }
    if (this.hasSendable()) {
      const wait = Math.ceil(((1 - this.tokens) / this.opts.rate) * 1000);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(wait, 1));
    }
  }

  private onConfirmed(m: Message, err?: Error | null): void {
    if (m.done) return;
    if (err) return this.fail(m, err);
    m.confirmed++;
    if (m.confirmed === m.lines.length) {
      m.done = true;
      this.inFlight.delete(m);
      m.resolve();
    }
  }

  private hasSendable(): boolean {
    return this.urgent.some((m) => !this.isHeld(m.target)) || this.turn.some((t) => !this.isHeld(t));
  }
}
