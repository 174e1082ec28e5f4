/**
 * Tasks under one key (a channel) run one at a time in the order they came,
 * while other keys go ahead: a conversation must read the same wherever it
 * is passed on, though an earlier message may wait longer (a WHOIS, a name
 * lookup, a slow command) than the next.
 */
export class PerKeyOrder {
  private readonly tails = new Map<string, Promise<void>>();

  /** `onError` hears what a task threw; the key's later tasks run all the same. */
  constructor(private readonly onError: (err: unknown, key: string) => void) {}

  /** Resolves once `task` has run, or failed and been reported. */
  run(key: string, task: () => Promise<void> | void): Promise<void> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(task).catch((err: unknown) => {
      this.onError(err, key);
    });
    this.tails.set(key, next);
    // An idle key is forgotten: every private-message sender is a key of its own.
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }
}
