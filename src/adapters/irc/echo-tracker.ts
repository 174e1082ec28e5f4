/**
 * With `echo-message`, the server sends our own messages back once it has
 * processed them: that, not the socket write, confirms delivery. Echoes
 * arrive in the order the lines were written; a server may alter the text
 * (stripping colours in a +c channel), so a target's oldest line is taken
 * when no text matches.
 */
export class EchoTracker {
  private readonly waiting: { target: string; text: string; timer: NodeJS.Timeout; confirmed: (err?: Error | null) => void }[] = [];

  /**
   * @param timeoutMs how long a line may wait for its echo: a server that
   *   drops a message without a numeric must not hold its channel forever.
   */
  constructor(private readonly timeoutMs = 120_000) {}

  expect(target: string, text: string, confirmed: (err?: Error | null) => void): void {
    const entry = {
      target: target.toLowerCase(),
      text,
      confirmed,
      timer: setTimeout(() => this.settle(entry, new Error(`no echo from the server within ${this.timeoutMs / 1000} s`)), this.timeoutMs),
    };
    entry.timer.unref();
    this.waiting.push(entry);
  }

  echoed(target: string, text: string): void {
    const t = target.toLowerCase();
    const entry = this.waiting.find((w) => w.target === t && w.text === text) ?? this.waiting.find((w) => w.target === t);
    if (entry) this.settle(entry);
  }

  refused(target: string, err: Error): void {
    const entry = this.waiting.find((w) => w.target === target.toLowerCase());
    if (entry) this.settle(entry, err);
  }

  failAll(err: Error): void {
    for (const w of [...this.waiting]) this.settle(w, err);
  }

  private settle(entry: (typeof this.waiting)[number], err?: Error): void {
    const i = this.waiting.indexOf(entry);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    clearTimeout(entry.timer);
    entry.confirmed(err);
  }
}
