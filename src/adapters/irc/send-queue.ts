/**
 * The one queue every PRIVMSG/NOTICE of a connection goes through. A token
 * bucket keeps the bot below what the server processes (ngircd delays a
 * client to ~3 lines/s; InspIRCd disconnects one whose unread input passes
 * its recvq), so a backlog waits here, where it can be ordered, and not in
 * the server's buffer. Channels take turns; urgent lines go first.
 */

export interface SendQueueOptions {
  /** Lines that may go out at once after a quiet spell. */
  burst: number;
  /** Sustained lines per second. */
  rate: number;
  now?: () => number;
}

/** Writes one line to the socket; calls back once the socket took it. Returns false when not connected. */
export type LineWriter = (line: string, written: (err?: Error | null) => void) => boolean;

interface Entry {
  target: string;
  line: string;
  urgent: boolean;
  /** Set on the last line of a message: settles the promise enqueue returned. */
  settle?: { resolve: () => void; reject: (e: Error) => void };
}

export class SendQueue {
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly urgent: Entry[] = [];
  private readonly byTarget = new Map<string, Entry[]>();
  /** Round-robin order of targets with lines waiting. */
  private turn: string[] = [];
  private readonly held = new Set<string>();
  private writer: LineWriter | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SendQueueOptions) {
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Queues a message's lines for a target; resolves once its last line was written. */
  enqueue(target: string, lines: readonly string[], urgent = false): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entries: Entry[] = lines.map((line) => ({ target, line, urgent }));
      entries[entries.length - 1]!.settle = { resolve, reject };
      if (urgent) this.urgent.push(...entries);
      else {
        const q = this.byTarget.get(target);
        if (q) q.push(...entries);
        else {
          this.byTarget.set(target, entries);
          this.turn.push(target);
        }
      }
      this.pump();
    });
  }

  /** Where lines go; null while disconnected (lines wait). */
  setWriter(writer: LineWriter | null): void {
    this.writer = writer;
    this.pump();
  }

  /** Holds a target's lines (a channel not joined yet) until release. */
  hold(target: string): void {
    this.held.add(target.toLowerCase());
  }

  release(target: string): void {
    this.held.delete(target.toLowerCase());
    this.pump();
  }

  releaseAll(): void {
    this.held.clear();
    this.pump();
  }

  /** Accounts for a line the IRC library wrote itself (JOIN, PONG, WHOIS), so the bucket matches what the server sees. */
  spend(lines = 1): void {
    this.refill();
    this.tokens -= lines;
  }

  depth(): number {
    let n = this.urgent.length;
    for (const q of this.byTarget.values()) n += q.length;
    return n;
  }

  /** Fails every waiting message (the adapter is stopping). */
  failAll(err: Error): void {
    const all = [...this.urgent, ...[...this.byTarget.values()].flat()];
    this.urgent.length = 0;
    this.byTarget.clear();
    this.turn = [];
    for (const e of all) e.settle?.reject(err);
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((t - this.last) / 1000) * this.opts.rate);
    this.last = t;
  }

  private next(): Entry | undefined {
    const ui = this.urgent.findIndex((e) => !this.held.has(e.target.toLowerCase()));
    if (ui >= 0) return this.urgent.splice(ui, 1)[0];
    for (let i = 0; i < this.turn.length; i++) {
      const target = this.turn[i]!;
      if (this.held.has(target.toLowerCase())) continue;
      const q = this.byTarget.get(target)!;
      const e = q.shift()!;
      // This target goes to the back of the line: channels take turns.
      this.turn.splice(i, 1);
      if (q.length > 0) this.turn.push(target);
      else this.byTarget.delete(target);
      return e;
    }
    return undefined;
  }

  private pump(): void {
    if (this.timer || !this.writer) return;
    this.refill();
    while (this.tokens >= 1) {
      const e = this.next();
      if (!e) return;
      const ok = this.writer(e.line, (err) => {
        if (err) e.settle?.reject(err);
        else e.settle?.resolve();
      });
      if (!ok) {
        // The connection went away between checks: the line goes back first in line.
        this.putBack(e);
        this.writer = null;
        return;
      }
      this.tokens -= 1;
    }
    if (this.hasSendable()) {
      const wait = Math.ceil(((1 - this.tokens) / this.opts.rate) * 1000);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(wait, 1));
    }
  }

  private hasSendable(): boolean {
    const free = (e: Entry) => !this.held.has(e.target.toLowerCase());
    return this.urgent.some(free) || this.turn.some((t) => !this.held.has(t.toLowerCase()));
  }

  private putBack(e: Entry): void {
    if (e.urgent) {
      this.urgent.unshift(e);
      return;
    }
    const q = this.byTarget.get(e.target);
    if (q) q.unshift(e);
    else this.byTarget.set(e.target, [e]);
    // Its target takes its turn back: next() had sent it to the end of the line.
    this.turn = [e.target, ...this.turn.filter((t) => t !== e.target)];
  }
}
