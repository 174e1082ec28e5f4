import type { Transaction } from 'better-sqlite3';
import type { DB } from './database.js';

/**
 * Group commit: writes submitted in the same turn of the event loop run in
 * one transaction, each in a savepoint of its own (one that throws is rolled
 * back alone), and every caller hears back only after the commit. Under load
 * most of a write's cost is the commit, so concurrent requests share it, and
 * "answered" still means "committed".
 */
interface Job {
  work: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private queue: Job[] = [];
  private readonly runBatch: Transaction<(jobs: Job[]) => Result[]>;

  constructor(db: DB) {
    const attempt = db.transaction((work: () => unknown) => work());
    this.runBatch = db.transaction((jobs: Job[]) =>
      // A lone write needs no savepoint: if it throws, rolling back the whole transaction is the same thing.
      jobs.length === 1
        ? [{ ok: true, value: jobs[0]!.work() }]
        : jobs.map((j): Result => {
            try {
              return { ok: true, value: attempt(j.work) };
            } catch (error) {
              return { ok: false, error };
            }
          }),
    );
  }

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    let results: Result[];
    try {
      results = this.runBatch.immediate(jobs);
    } catch (err) {
      // The lone write threw and was rolled back, or the commit itself failed
      // (disk full, locked too long): nothing was stored.
      for (const j of jobs) j.reject(err);
      return;
    }
    results.forEach((r, i) => (r.ok ? jobs[i]!.resolve(r.value) : jobs[i]!.reject(r.error)));
  }
}
