import { Cron } from 'croner';
import { UserError } from '../errors.js';

/**
 * Recurring windows and scheduled posts use cron expressions (`0 3 * * 0`:
 * Sundays 03:00) read in the configured zone. croner finds the next
 * occurrence from any instant (the injected clock, so tests move time
 * instead of waiting); node-cron, which has no such call, only runs the
 * bot's own jobs (`scheduler.ts`).
 *
 * Read as node-cron reads them: five fields, and a day of the month and a
 * weekday must both match (`0 0 1 * 1`: a Monday the 1st).
 */
function parse(expr: string, timeZone: string): Cron {
  return new Cron(expr, { timezone: timeZone, mode: '5-part', domAndDow: true });
}

const EXAMPLE = 'use five fields, minute hour day month weekday, e.g. every="0 3 * * 0" (Sundays 03:00)';

/** A date to search from that is the same on every run: whether a day exists (`31 2`: never) does not depend on today. */
const EPOCH = new Date(0);

export function checkCron(expr: string): void {
  let valid = expr.trim().split(/\s+/).length === 5;
  if (valid) {
    try {
      valid = parse(expr, 'UTC').nextRun(EPOCH) !== null;
    } catch {
      valid = false;
    }
  }
  if (!valid) throw new UserError(`'${expr}' is not a cron expression: ${EXAMPLE}`);
}

/** Look at most this far ahead: a yearly window still has an occurrence. */
const HORIZON_MS = 366 * 24 * 3_600_000;

/**
 * The first minute strictly after `after` that the expression matches in
 * `timeZone`, or null if none within a year. Across a DST change it is
 * read on the wall clock: a time in the hour skipped when clocks go
 * forward does not occur that night (croner would move a fixed time to
 * the end of the gap), and a time repeated when they go back (by an hour,
 * or Lord Howe's 30 minutes) occurs once, the first time.
 */
export function nextOccurrence(expr: string, after: Date, timeZone: string): Date | null {
  const job = parse(expr, timeZone);
  const zone = new ZoneClock(timeZone);
  const limit = after.getTime() + HORIZON_MS;
  for (let d = job.nextRun(after); d && d.getTime() <= limit; d = job.nextRun(d)) {
    if (!job.match(d)) continue; // moved out of a DST gap
    if (zone.isRepeat(d)) continue;
    return d;
  }
  return null;
}

/** A zone's wall clock, to tell the second pass over a time repeated when the clocks go back. */
class ZoneClock {
  private readonly minute;
  private readonly offset;

  constructor(timeZone: string) {
    this.minute = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  }

  /** True when the wall clock already showed `d`'s minute earlier (clocks went back less than 3 h ago). */
  isRepeat(d: Date): boolean {
    const back = this.offsetMs(d.getTime() - 3 * 3_600_000) - this.offsetMs(d.getTime());
    return back > 0 && this.minute.format(d) === this.minute.format(d.getTime() - back);
  }

  /** `GMT+05:45` → 20,700,000; `GMT` → 0. */
  private offsetMs(t: number): number {
    const name = this.offset.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  }
}
