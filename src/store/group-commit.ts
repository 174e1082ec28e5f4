import type { Sql } from './sql.js';

/**
 * Group commit: writes submitted in the same turn of the event loop run in
 * one transaction, each in a savepoint of its own (one that throws is rolled
 * back alone), and every caller hears back only after the commit. Under load
 * most of a write's cost is the commit, so concurrent requests share it, and
 * "answered" still means "committed".
 */
interface Job {
  work: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private queue: Job[] = [];

  constructor(private readonly db: Sql) {}

  submit<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => void this.flush());
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private async flush(): Promise<void> {
    const jobs = this.queue;
    this.queue = [];
    let results: Result[];
    try {
      results = await this.db.tx(async () => {
        // A lone write needs no savepoint: if it throws, rolling back the whole transaction is the same thing.
        if (jobs.length === 1) return [{ ok: true, value: await jobs[0]!.work() }];
        const out: Result[] = [];
        for (const j of jobs) {
          try {
            out.push({ ok: true, value: await this.db.tx(j.work) });
          } catch (error) {
            out.push({ ok: false, error });
          }
        }
        return out;
      });
    } catch (err) {
      // The lone write threw and was rolled back, or the commit itself failed
      // (disk full, locked too long, the database gone): nothing was stored.
      for (const j of jobs) j.reject(err);
      return;
    }
    results.forEach((r, i) => (r.ok ? jobs[i]!.resolve(r.value) : jobs[i]!.reject(r.error)));
  }
}
