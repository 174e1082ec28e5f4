import type { Clock } from '../clock.js';
import type { Sql } from '../store/sql.js';
import { nextOccurrence } from './cron.js';

const GET = 'SELECT spec, next_at FROM schedule_state WHERE name = ?';
const SET = 'INSERT INTO schedule_state (name, spec, next_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, next_at = excluded.next_at';
/** Claims the occurrence: only the caller that still sees the next_at it read moves it on. */
const CLAIM = 'UPDATE schedule_state SET next_at = ? WHERE name = ? AND next_at = ?';
/** Claims the occurrence when there is no next one within the horizon: the row goes, and is made again once there is. */
const CLAIM_LAST = 'DELETE FROM schedule_state WHERE name = ? AND next_at = ?';

/**
 * A post that is due at each occurrence of a cron expression (the daily
 * ticket digest). The next due time lives in the store: a restart neither
 * repeats today's post nor forgets it, and days the bot was down yield one
 * late post, not one per day missed.
 */
export class DueSchedule {
  /** What next_at was computed from: a changed expression or zone recomputes it. */
  private readonly spec: string;

  constructor(private readonly db: Sql, private readonly clock: Clock, private readonly name: string, private readonly cron: string, private readonly timeZone: string) {
    this.spec = `${cron} ${timeZone}`;
  }

  /**
   * Runs `post` when an occurrence has passed since the last run, then
   * remembers the next one, all in one transaction: if `post` fails, the
   * occurrence is still due. The claim is a compare-and-set on next_at, so
   * of two processes that both find a post due, one posts and the other
   * sees it is no longer due (on PostgreSQL the second waits on the row,
   * then its UPDATE matches nothing). `post` writes to the store only.
   */
  runIfDue(post: () => Promise<void> | void): Promise<boolean> {
    return this.db.tx(async () => {
      const now = this.clock.now();
      const state = await this.db.get<{ spec: string; next_at: string }>(GET, [this.name]);
      const current = state !== undefined && state.spec === this.spec;
      if (current && Date.parse(state.next_at) > now.getTime()) return false;
      const next = nextOccurrence(this.cron, now, this.timeZone)?.toISOString();
      if (!current) {
        // First run, or the expression changed: start counting from now.
        if (next) await this.db.run(SET, [this.name, this.spec, next]);
        return false;
      }
      const claimed = next
        ? await this.db.run(CLAIM, [next, this.name, state.next_at])
        : await this.db.run(CLAIM_LAST, [this.name, state.next_at]);
      if (claimed.changes === 0) return false;
      await post();
      return true;
    });
  }
}
