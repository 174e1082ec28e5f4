import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { UserError } from '../../src/errors.js';
import { migrationsDir } from '../../src/paths.js';
import { checkCron, nextOccurrence } from '../../src/scheduler/cron.js';
import { DueSchedule } from '../../src/scheduler/due.js';
import { openSqlite, type SqliteSql } from '../../src/store/sqlite.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { thrownBy } from '../helpers/thrown.js';

/** The occurrences after `from`, one after the other, as ISO strings. */
function occurrences(expr: string, zone: string, from: string, n: number): (string | null)[] {
  const out: (string | null)[] = [];
  let t: Date | null = new Date(from);
  for (let i = 0; i < n && t; i++) {
    t = nextOccurrence(expr, t, zone);
    out.push(t?.toISOString() ?? null);
  }
  return out;
}

describe('checkCron', () => {
  it('accepts five-field expressions', () => {
    for (const e of ['0 3 * * 0', '0 9 * * 1-5', '*/15 * * * *', '0 0 L * *', '0 0 1 jan *', '0 0 * * MON-FRI', '0 0 * * 7', '0 0 29 2 *']) expect(() => checkCron(e), e).not.toThrow();
  });

  it('refuses anything else in one line that shows what to type', () => {
    for (const e of ['', '* * * *', '* * * * * *', '@daily', '60 * * * *', '0 24 * * *', '0 0 32 * *', '0 0 * 13 *', '0 0 * * 8', 'x * * * *', '*/0 * * * *', '0 0 31 2 *', '0 0 30 2 *']) {
      expect(thrownBy(UserError, () => checkCron(e)).message, e).toBe(`'${e}' is not a cron expression: use five fields, minute hour day month weekday, e.g. every="0 3 * * 0" (Sundays 03:00)`);
    }
  });
});

describe('nextOccurrence', () => {
  it('is the first matching minute strictly after the given instant', () => {
    expect(occurrences('* * * * *', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    expect(occurrences('* * * * *', 'UTC', '2026-01-01T00:00:30.500Z', 1)).toEqual(['2026-01-01T00:01:00.000Z']);
    // Sundays 03:00 in Tokyo (+09:00): 2026-11-29 is a Sunday.
    expect(occurrences('0 3 * * 0', 'Asia/Tokyo', '2026-11-25T12:00:00Z', 2)).toEqual(['2026-11-28T18:00:00.000Z', '2026-12-05T18:00:00.000Z']);
  });

  it('needs both the day of the month and the weekday, as node-cron does', () => {
    // Mondays that are the 1st: June 2026, February 2027.
    expect(occurrences('0 0 1 * 1', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-06-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
  });

  it('looks a year ahead and no further', () => {
    expect(nextOccurrence('0 0 29 2 *', new Date('2026-01-01T00:00:00Z'), 'UTC')).toBeNull();
    expect(nextOccurrence('0 0 29 2 *', new Date('2027-06-01T00:00:00Z'), 'UTC')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(nextOccurrence('0 0 31 2 *', new Date('2026-01-01T00:00:00Z'), 'UTC')).toBeNull();
  });

  it('reads the expression in a zone 5 h 45 min ahead of UTC (Asia/Kathmandu)', () => {
    // 09:00 NPT is 03:15 UTC.
    expect(occurrences('0 9 * * *', 'Asia/Kathmandu', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-01T03:15:00.000Z', '2026-01-02T03:15:00.000Z']);
    // :00, :20 and :40 local are :15, :35 and :55 UTC; 23:40 NPT on the 31st is already January 1st local.
    expect(occurrences('*/20 * * * *', 'Asia/Kathmandu', '2026-01-01T03:00:00Z', 3)).toEqual(['2026-01-01T03:15:00.000Z', '2026-01-01T03:35:00.000Z', '2026-01-01T03:55:00.000Z']);
    expect(occurrences('10 0 1 * *', 'Asia/Kathmandu', '2026-01-15T00:00:00Z', 2)).toEqual(['2026-01-31T18:25:00.000Z', '2026-02-28T18:25:00.000Z']);
  });

  it('reads a zone whose offset is not a whole number of minutes (Monrovia until 1972, -00:44:30)', () => {
    expect(occurrences('0 12 * * *', 'Africa/Monrovia', '1971-06-01T00:00:00Z', 1)).toEqual(['1971-06-01T12:44:30.000Z']);
  });

  describe('across DST changes (Europe/Berlin: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00)', () => {
    it('a time in the skipped hour does not occur that night, and occurs the next week', () => {
      expect(occurrences('30 2 * * 0', 'Europe/Berlin', '2026-03-27T10:00:00Z', 2)).toEqual(['2026-04-05T00:30:00.000Z', '2026-04-12T00:30:00.000Z']);
      // A daily 02:30: the 28th (CET, 01:30Z), then the 30th (CEST, 00:30Z).
      expect(occurrences('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 2)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
      // Every 30 minutes: 01:30 CET, then 03:00 CEST.
      expect(occurrences('*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:10:00Z', 3)).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']);
    });

    it('a time in the repeated hour occurs once, the first time', () => {
      // 02:30 CEST (00:30Z), not again at 02:30 CET (01:30Z).
      expect(occurrences('30 2 * * 0', 'Europe/Berlin', '2026-10-24T10:00:00Z', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-11-01T01:30:00.000Z']);
      // Every 30 minutes: 02:00 and 02:30 CEST, then 03:00 CET: 02:00 and 02:30 CET are not run again.
      expect(occurrences('*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:50:00Z', 4)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z']);
    });

    it('in New York (2026-03-08 02:00 → 03:00, 2026-11-01 02:00 → 01:00)', () => {
      expect(occurrences('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', 2)).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
      expect(occurrences('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });

    it('when the clocks go back 30 minutes (Australia/Lord_Howe, 2026-04-05 02:00 +11 → 01:30 +10:30)', () => {
      expect(occurrences('30 1 * * *', 'Australia/Lord_Howe', '2026-04-04T12:00:00Z', 2)).toEqual(['2026-04-04T14:30:00.000Z', '2026-04-05T15:00:00.000Z']);
      // 01:30, 01:40, 01:50 +11, then 02:00 +10:30: 01:30-01:50 are not run again.
      expect(occurrences('*/10 * * * *', 'Australia/Lord_Howe', '2026-04-04T14:25:00Z', 4)).toEqual(['2026-04-04T14:30:00.000Z', '2026-04-04T14:40:00.000Z', '2026-04-04T14:50:00.000Z', '2026-04-04T15:30:00.000Z']);
    });
  });
});

describe('DueSchedule', () => {
  const dbs: SqliteSql[] = [];
  afterEach(async () => {
    for (const d of dbs.splice(0)) await d.close();
  });

  async function schedule(cron: string, zone: string, start: string) {
    const db = openSqlite(':memory:');
    dbs.push(db);
    await migrate(db, readMigrations(migrationsDir('sqlite')));
    const clock = fixedClock(start);
    const due = new DueSchedule(db, clock, 'test post', cron, zone);
    const nextAt = async () => (await db.value<string>("SELECT next_at FROM schedule_state WHERE name = 'test post'")) ?? null;
    return { clock, due, nextAt };
  }

  it('is due at 09:00 Kathmandu time (03:15 UTC), once', async () => {
    const s = await schedule('0 9 * * *', 'Asia/Kathmandu', '2026-01-01T00:00:00Z');
    const posts: string[] = [];
    const post = () => void posts.push(s.clock.now().toISOString());
    expect(await s.due.runIfDue(post)).toBe(false);
    expect(await s.nextAt()).toBe('2026-01-01T03:15:00.000Z');
    s.clock.set('2026-01-01T03:14:59Z');
    expect(await s.due.runIfDue(post)).toBe(false);
    s.clock.set('2026-01-01T03:15:00Z');
    expect(await s.due.runIfDue(post)).toBe(true);
    expect(await s.due.runIfDue(post)).toBe(false);
    expect(await s.nextAt()).toBe('2026-01-02T03:15:00.000Z');
    expect(posts).toEqual(['2026-01-01T03:15:00.000Z']);
  });

  it('moves with the clocks across a DST change', async () => {
    // 09:00 Berlin: 08:00Z in winter, 07:00Z from 2026-03-29.
    const s = await schedule('0 9 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z');
    await s.due.runIfDue(() => undefined);
    expect(await s.nextAt()).toBe('2026-03-29T07:00:00.000Z');
    s.clock.set('2026-03-29T07:00:00Z');
    expect(await s.due.runIfDue(() => undefined)).toBe(true);
    expect(await s.nextAt()).toBe('2026-03-30T07:00:00.000Z');
  });
});
