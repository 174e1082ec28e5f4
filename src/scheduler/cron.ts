import cron from 'node-cron';
import { UserError } from '../errors.js';

/**
 * Recurring windows and scheduled posts use cron expressions (`0 3 * * 0`: Sundays 03:00), read
 * by node-cron in the configured zone. The next occurrence is found by
 * asking node-cron whether each minute matches, from the injected clock, so
 * tests move time instead of waiting.
 */
export function checkCron(expr: string): void {
  if (expr.trim().split(/\s+/).length !== 5 || !cron.validate(expr)) {
    throw new UserError(`'${expr}' is not a cron expression: use five fields, minute hour day month weekday, e.g. every="0 3 * * 0" (Sundays 03:00)`);
  }
}

/** Look at most this far ahead: a yearly window still has an occurrence. */
const HORIZON_MINUTES = 366 * 24 * 60;

/** The first minute strictly after `after` that the expression matches in `timeZone`, or null. */
export function nextOccurrence(expr: string, after: Date, timeZone: string): Date | null {
  const task = cron.createTask(expr, () => undefined, { timezone: timeZone });
  const wallClock = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const minutes = candidateMinutes(expr);
  try {
    let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
    for (let i = 0; i < HORIZON_MINUTES; i++, t += 60_000) {
      if (minutes && !minutes.has(Math.floor(t / 60_000) % 60)) continue;
      const d = new Date(t);
      if (!task.match(d)) continue;
      // The hour repeated when clocks go back matches twice: the first one is the occurrence.
      if (wallClock.format(d) === wallClock.format(new Date(t - 3_600_000))) continue;
      return d;
    }
    return null;
  } finally {
    void task.destroy();
  }
}

/**
 * Asking node-cron about every minute of a year takes seconds. When the
 * minute field is a plain list (`0`, `0,30`), only UTC minutes that can be
 * that local minute are worth asking about: every zone's offset is a
 * multiple of 15 minutes. Null when the field is anything else.
 */
function candidateMinutes(expr: string): Set<number> | null {
  const field = expr.trim().split(/\s+/)[0]!;
  if (!/^\d{1,2}(,\d{1,2})*$/.test(field)) return null;
  const out = new Set<number>();
  for (const m of field.split(',').map(Number)) for (let k = 0; k < 4; k++) out.add((((m - k * 15) % 60) + 60) % 60);
  return out;
}
