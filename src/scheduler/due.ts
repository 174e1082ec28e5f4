import type { Clock } from '../clock.js';
import type { DB } from '../store/database.js';
import { nextOccurrence } from './cron.js';

/**
 * A post that is due at each occurrence of a cron expression (the daily
 * ticket digest). The next due time lives in SQLite: a restart neither
 * repeats today's post nor forgets it, and days the bot was down yield one
 * late post, not one per day missed.
 */
export class DueSchedule {
  private readonly q;

  /** What next_at was computed from: a changed expression or zone recomputes it. */
  private readonly spec: string;

  constructor(db: DB, private readonly clock: Clock, private readonly name: string, private readonly cron: string, private readonly timeZone: string) {
    this.spec = `${cron} ${timeZone}`;
    this.q = {
      get: db.prepare('SELECT spec, next_at FROM schedule_state WHERE name = ?'),
      set: db.prepare('INSERT INTO schedule_state (name, spec, next_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, next_at = excluded.next_at'),
    };
  }

  /** Runs `post` when an occurrence has passed since the last run, then remembers the next one. */
  runIfDue(post: () => void): boolean {
    const now = this.clock.now();
    const state = this.q.get.get(this.name) as { spec: string; next_at: string } | undefined;
    const due = state !== undefined && state.spec === this.spec && Date.parse(state.next_at) <= now.getTime();
    if (due) post();
    if (due || state === undefined || state.spec !== this.spec) {
      const next = nextOccurrence(this.cron, now, this.timeZone);
      if (next) this.q.set.run(this.name, this.spec, next.toISOString());
    }
    return due;
  }
}
