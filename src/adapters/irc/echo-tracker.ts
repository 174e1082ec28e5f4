/**
 * With `echo-message`, the server sends our own messages back once it has
 * processed them: that, not the socket write, confirms delivery. Echoes
 * arrive in the order the lines were written; a server may alter the text
 * (stripping colours in a +c channel), so a target's oldest line is taken
 * when no text matches.
 */
export class EchoTracker {
  private readonly waiting: { target: string; text: string; confirmed: (err?: Error | null) => void }[] = [];

  expect(target: string, text: string, confirmed: (err?: Error | null) => void): void {
    this.waiting.push({ target: target.toLowerCase(), text, confirmed });
  }

  echoed(target: string, text: string): void {
    const t = target.toLowerCase();
    let i = this.waiting.findIndex((w) => w.target === t && w.text === text);
    if (i < 0) i = this.waiting.findIndex((w) => w.target === t);
    if (i >= 0) this.waiting.splice(i, 1)[0]!.confirmed();
  }

  refused(target: string, err: Error): void {
    const i = this.waiting.findIndex((w) => w.target === target.toLowerCase());
    if (i >= 0) this.waiting.splice(i, 1)[0]!.confirmed(err);
  }

  failAll(err: Error): void {
    for (const w of this.waiting.splice(0)) w.confirmed(err);
  }
}

