import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { formatTime } from '../../src/time/format.js';
import { parseDurationWord, parseTime } from '../../src/time/parse-time.js';

/** A Wednesday: 21:00 in Tokyo, 13:00 in Berlin (CET), 07:00 in New York (EST). */
const NOW = new Date('2026-11-25T12:00:00Z');

const TOKYO = 'Asia/Tokyo';
const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const UTC = 'UTC';

function at(text: string, zone: string, now = NOW, opts?: { allowPast?: boolean; graceMs?: number }): string {
  return parseTime(text, now, zone, opts).at.toISOString();
}

/** The UserError thrown, checked to be one line. */
function refusal(text: string, zone: string, now = NOW, opts?: { allowPast?: boolean; graceMs?: number }): string {
  try {
    parseTime(text, now, zone, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const message = (e as Error).message;
    expect(message).not.toMatch(/\n/);
    return message;
  }
  throw new Error(`expected '${text}' in ${zone} to be refused`);
}

describe('parseTime: absolute local times, in the configured zone', () => {
  it.each<[string, string, string]>([
    // Asia/Tokyo, +09:00, no DST
    ['2026-12-01 02:00', TOKYO, '2026-11-30T17:00:00.000Z'],
    ['2026-12-01T02:00', TOKYO, '2026-11-30T17:00:00.000Z'],
    ['2026-12-01 02:00:30', TOKYO, '2026-11-30T17:00:30.000Z'],
    ['2026-12-01', TOKYO, '2026-11-30T15:00:00.000Z'],
    ['2026-12-01 2:00', TOKYO, '2026-11-30T17:00:00.000Z'],
    ['2027-07-01 02:00', TOKYO, '2027-06-30T17:00:00.000Z'],
    // UTC
    ['2026-12-01 02:00', UTC, '2026-12-01T02:00:00.000Z'],
    ['2026-12-01T02:00', UTC, '2026-12-01T02:00:00.000Z'],
    ['2026-12-01 02:00:30', UTC, '2026-12-01T02:00:30.000Z'],
    ['2026-12-01', UTC, '2026-12-01T00:00:00.000Z'],
    // Europe/Berlin: CET in winter, CEST in summer
    ['2026-12-01 02:00', BERLIN, '2026-12-01T01:00:00.000Z'],
    ['2026-12-01T02:00', BERLIN, '2026-12-01T01:00:00.000Z'],
    ['2026-12-01 02:00:30', BERLIN, '2026-12-01T01:00:30.000Z'],
    ['2026-12-01', BERLIN, '2026-11-30T23:00:00.000Z'],
    ['2027-07-01 02:00', BERLIN, '2027-07-01T00:00:00.000Z'],
    // America/New_York: EST in winter, EDT in summer
    ['2026-12-01 02:00', NEW_YORK, '2026-12-01T07:00:00.000Z'],
    ['2026-12-01T02:00', NEW_YORK, '2026-12-01T07:00:00.000Z'],
    ['2026-12-01 02:00:30', NEW_YORK, '2026-12-01T07:00:30.000Z'],
    ['2026-12-01', NEW_YORK, '2026-12-01T05:00:00.000Z'],
    ['2027-07-01 02:00', NEW_YORK, '2027-07-01T06:00:00.000Z'],
  ])('%s in %s is %s', (text, zone, expected) => {
    const parsed = parseTime(text, NOW, zone);
    expect(parsed.at.toISOString()).toBe(expected);
    expect(parsed.shown).toBe(formatTime(parsed.at, zone));
  });

  it('echoes the time normalised, with the zone', () => {
    expect(parseTime('2026-12-01 02:00', NOW, UTC).shown).toBe('2026-12-01 02:00 UTC');
    expect(parseTime('2026-12-01 2:00', NOW, NEW_YORK).shown).toBe('2026-12-01 02:00 EST');
    expect(parseTime('2027-07-01 02:00', NOW, NEW_YORK).shown).toBe('2027-07-01 02:00 EDT');
    expect(parseTime('2026-12-01', NOW, TOKYO).shown).toMatch(/^2026-12-01 00:00 \S+$/);
  });

  it('accepts leap days only in leap years', () => {
    expect(at('2028-02-29 02:00', UTC)).toBe('2028-02-29T02:00:00.000Z');
    expect(refusal('2027-02-29', UTC)).toContain('2027-02 has 28 days');
  });
});

describe('parseTime: an explicit zone or offset wins over the configured zone', () => {
  it.each<[string, string, string, string]>([
    ['2026-12-01 02:00 UTC', TOKYO, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01 02:00 utc', BERLIN, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01 02:00 GMT', NEW_YORK, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01T02:00Z', TOKYO, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01T02:00z', BERLIN, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01 02:00 Z', NEW_YORK, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01 02:00+09:00', BERLIN, '2026-11-30T17:00:00.000Z', BERLIN],
    ['2026-12-01 02:00 +09:00', UTC, '2026-11-30T17:00:00.000Z', UTC],
    ['2026-12-01 02:00+0900', NEW_YORK, '2026-11-30T17:00:00.000Z', NEW_YORK],
    ['2026-12-01 02:00+09', TOKYO, '2026-11-30T17:00:00.000Z', TOKYO],
    ['2026-12-01 02:00-05:00', TOKYO, '2026-12-01T07:00:00.000Z', TOKYO],
    ['2026-12-01 02:00+05:30', UTC, '2026-11-30T20:30:00.000Z', UTC],
    ['2026-12-01 02:00 Asia/Tokyo', BERLIN, '2026-11-30T17:00:00.000Z', TOKYO],
    ['2026-12-01 02:00 asia/tokyo', UTC, '2026-11-30T17:00:00.000Z', TOKYO],
    ['2026-12-01 02:00 Europe/Berlin', TOKYO, '2026-12-01T01:00:00.000Z', BERLIN],
    ['2026-12-01 02:00 America/New_York', UTC, '2026-12-01T07:00:00.000Z', NEW_YORK],
    ['2027-07-01 02:00 America/New_York', TOKYO, '2027-07-01T06:00:00.000Z', NEW_YORK],
    ['2026-12-01 UTC', TOKYO, '2026-12-01T00:00:00.000Z', UTC],
    // ISO 8601 timestamps as machines write them
    ['2026-12-01T02:00:00.000Z', TOKYO, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01T02:00:00Z', BERLIN, '2026-12-01T02:00:00.000Z', UTC],
    ['2026-12-01T02:00:00.123+01:00', NEW_YORK, '2026-12-01T01:00:00.123Z', NEW_YORK],
    ['2026-12-01T02:00:00.5', UTC, '2026-12-01T02:00:00.500Z', UTC],
  ])('%s (configured %s) is %s, shown in %s', (text, configured, expected, shownZone) => {
    const parsed = parseTime(text, NOW, configured);
    expect(parsed.at.toISOString()).toBe(expected);
    expect(parsed.shown).toBe(formatTime(parsed.at, shownZone));
  });

  it('refuses unknown zones, abbreviations and impossible offsets, naming what to write', () => {
    expect(refusal('2026-12-01 02:00 Mars/Base', TOKYO)).toMatch(/'Mars\/Base' is not a time zone: use UTC, an offset like \+09:00 or a zone name like Asia\/Tokyo/);
    expect(refusal('2026-12-01 02:00 JST', TOKYO)).toContain("'JST' is not a zone I accept");
    expect(refusal('2026-12-01 02:00 CET', BERLIN)).toContain('a zone name like Europe/Berlin');
    expect(refusal('2026-12-01 02:00+15:00', UTC)).toContain('use -12:00 to +14:00');
    expect(refusal('2026-12-01 02:00+09:60', UTC)).toContain('is not a UTC offset');
  });
});

describe('parseTime: times of day', () => {
  it.each<[string, string, string]>([
    // Tokyo: now is Wed 2026-11-25 21:00
    ['22:00', TOKYO, '2026-11-25T13:00:00.000Z'],
    ['21:30:15', TOKYO, '2026-11-25T12:30:15.000Z'],
    ['today 22:30', TOKYO, '2026-11-25T13:30:00.000Z'],
    ['tomorrow 02:00', TOKYO, '2026-11-25T17:00:00.000Z'],
    ['tomorrow 2:30', TOKYO, '2026-11-25T17:30:00.000Z'],
    ['tomorrow at 02:00', TOKYO, '2026-11-25T17:00:00.000Z'],
    ['at 23:00', TOKYO, '2026-11-25T14:00:00.000Z'],
    // UTC: now is 12:00
    ['14:00', UTC, '2026-11-25T14:00:00.000Z'],
    ['today 14:00', UTC, '2026-11-25T14:00:00.000Z'],
    ['tomorrow 02:00', UTC, '2026-11-26T02:00:00.000Z'],
    // Berlin: now is 13:00 CET
    ['14:00', BERLIN, '2026-11-25T13:00:00.000Z'],
    ['tomorrow 02:00', BERLIN, '2026-11-26T01:00:00.000Z'],
    // New York: now is 07:00 EST
    ['08:00', NEW_YORK, '2026-11-25T13:00:00.000Z'],
    ['today 14:00', NEW_YORK, '2026-11-25T19:00:00.000Z'],
    ['tomorrow 02:00', NEW_YORK, '2026-11-26T07:00:00.000Z'],
    // A zone after the time: the day is reckoned in that zone
    ['14:00 UTC', TOKYO, '2026-11-25T14:00:00.000Z'],
    ['tomorrow 02:00 UTC', NEW_YORK, '2026-11-26T02:00:00.000Z'],
    ['tomorrow 02:00 Asia/Tokyo', UTC, '2026-11-25T17:00:00.000Z'],
    ['tomorrow 02:00+09:00', BERLIN, '2026-11-25T17:00:00.000Z'],
  ])('%s in %s is %s', (text, zone, expected) => {
    expect(at(text, zone)).toBe(expected);
  });

  it('shows the time normalised to two-digit hours', () => {
    expect(parseTime('tomorrow 2:30', NOW, UTC).shown).toBe('2026-11-26 02:30 UTC');
  });

  it('refuses a time of day that already passed today, suggesting tomorrow', () => {
    expect(refusal('02:00', TOKYO)).toBe('02:00 today has passed; use tomorrow 02:00');
    expect(refusal('2:30', NEW_YORK)).toBe('02:30 today has passed; use tomorrow 02:30');
    expect(refusal('today 14:00', TOKYO)).toBe('14:00 today has passed; use tomorrow 14:00');
    expect(refusal('11:58', UTC)).toBe('11:58 today has passed; use tomorrow 11:58');
    expect(refusal('12:30', BERLIN)).toBe('12:30 today has passed; use tomorrow 12:30');
    expect(refusal('02:00 UTC', TOKYO)).toBe('02:00 UTC today has passed; use tomorrow 02:00 UTC');
  });

  it('takes a time less than the grace period ago as today', () => {
    expect(at('11:59:30', UTC)).toBe('2026-11-25T11:59:30.000Z');
    expect(refusal('11:59:30', UTC, NOW, { graceMs: 0 })).toContain('use tomorrow 11:59:30');
  });

  it('with allowPast, gives today at that time even if it passed', () => {
    expect(at('02:00', TOKYO, NOW, { allowPast: true })).toBe('2026-11-24T17:00:00.000Z');
    expect(at('02:00', UTC, NOW, { allowPast: true })).toBe('2026-11-25T02:00:00.000Z');
  });

  it('refuses a day without a time, asking for one', () => {
    expect(refusal('tomorrow', UTC)).toBe("'tomorrow' needs a time of day: use e.g. tomorrow 02:00");
    expect(refusal('today', BERLIN)).toContain('use e.g. today 02:00');
    expect(refusal('Sun', TOKYO)).toContain('use e.g. sun 02:00');
  });
});

describe('parseTime: weekdays mean the next such day', () => {
  it.each<[string, string, string]>([
    // Tokyo: now is Wed 2026-11-25 21:00
    ['sunday 03:00', TOKYO, '2026-11-28T18:00:00.000Z'],
    ['sun 03:00', TOKYO, '2026-11-28T18:00:00.000Z'],
    ['thu 01:00', TOKYO, '2026-11-25T16:00:00.000Z'],
    ['tue 09:00', TOKYO, '2026-12-01T00:00:00.000Z'],
    ['wed 22:00', TOKYO, '2026-11-25T13:00:00.000Z'], // today, still ahead
    ['wed 20:00', TOKYO, '2026-12-02T11:00:00.000Z'], // today's has passed: next week
    // UTC: now is Wed 12:00
    ['saturday 03:00', UTC, '2026-11-28T03:00:00.000Z'],
    ['mon 00:00', UTC, '2026-11-30T00:00:00.000Z'],
    ['wed 11:59:30', UTC, '2026-11-25T11:59:30.000Z'], // within the grace period
    ['wednesday 11:58', UTC, '2026-12-02T11:58:00.000Z'],
    ['tues 10:00', UTC, '2026-12-01T10:00:00.000Z'],
    ['thurs 10:00', UTC, '2026-11-26T10:00:00.000Z'],
    // Berlin: now is Wed 13:00 CET
    ['fri 23:30', BERLIN, '2026-11-27T22:30:00.000Z'],
    ['sun 03:00', BERLIN, '2026-11-29T02:00:00.000Z'],
    ['wed 12:00', BERLIN, '2026-12-02T11:00:00.000Z'],
    // New York: now is Wed 07:00 EST
    ['sun 03:00', NEW_YORK, '2026-11-29T08:00:00.000Z'],
    ['wednesday 06:00', NEW_YORK, '2026-12-02T11:00:00.000Z'],
    ['wednesday 08:00', NEW_YORK, '2026-11-25T13:00:00.000Z'],
  ])('%s in %s is %s', (text, zone, expected) => {
    expect(at(text, zone)).toBe(expected);
  });

  it('reckons the weekday in the zone, not in UTC', () => {
    // 2026-11-25T16:00Z is still Wednesday in UTC but already Thursday 01:00 in Tokyo.
    const now = new Date('2026-11-25T16:00:00Z');
    expect(at('thu 02:00', TOKYO, now)).toBe('2026-11-25T17:00:00.000Z');
    expect(at('wed 02:00', TOKYO, now)).toBe('2026-12-01T17:00:00.000Z');
    expect(at('thu 02:00', UTC, now)).toBe('2026-11-26T02:00:00.000Z');
    // and 2026-11-26T03:00Z is Thursday in UTC but still Wednesday 22:00 in New York.
    const late = new Date('2026-11-26T03:00:00Z');
    expect(at('thu 02:00', NEW_YORK, late)).toBe('2026-11-26T07:00:00.000Z');
  });

  it('is case-insensitive and ignores surrounding spaces', () => {
    expect(at('  SUN 03:00 ', TOKYO)).toBe('2026-11-28T18:00:00.000Z');
    expect(at('Sunday   03:00', TOKYO)).toBe('2026-11-28T18:00:00.000Z');
    expect(at('TOMORROW 02:00', UTC)).toBe('2026-11-26T02:00:00.000Z');
  });
});

describe('parseTime: relative times', () => {
  it.each<[string, string]>([
    ['now', '2026-11-25T12:00:00.000Z'],
    ['NOW', '2026-11-25T12:00:00.000Z'],
    ['in 30m', '2026-11-25T12:30:00.000Z'],
    ['In 30M', '2026-11-25T12:30:00.000Z'],
    ['in 2h', '2026-11-25T14:00:00.000Z'],
    ['+30m', '2026-11-25T12:30:00.000Z'],
    ['30m', '2026-11-25T12:30:00.000Z'],
    ['in 1h30m', '2026-11-25T13:30:00.000Z'],
    ['in 1h 30m', '2026-11-25T13:30:00.000Z'],
    ['in 1d', '2026-11-26T12:00:00.000Z'],
    ['  in 45s  ', '2026-11-25T12:00:45.000Z'],
  ])('%s is %s in every zone', (text, expected) => {
    for (const zone of [TOKYO, UTC, BERLIN, NEW_YORK]) {
      const parsed = parseTime(text, NOW, zone);
      expect(parsed.at.toISOString()).toBe(expected);
      expect(parsed.shown).toBe(formatTime(parsed.at, zone));
    }
  });

  it('counts real elapsed time across a DST change', () => {
    const now = new Date('2027-03-27T12:00:00Z'); // Saturday 13:00 CET
    const parsed = parseTime('in 24h', now, BERLIN);
    expect(parsed.at.toISOString()).toBe('2027-03-28T12:00:00.000Z');
    expect(parsed.shown).toBe(formatTime(parsed.at, BERLIN)); // 14:00 CEST
    expect(parsed.shown).toMatch(/^2027-03-28 14:00 /);
  });

  it('refuses what follows "in" unless it is a duration', () => {
    expect(refusal('in soon', UTC)).toBe("'soon' is not a duration: use e.g. in 30m, in 2h or in 1h30m");
    expect(refusal('in 2 days', UTC)).toContain('use e.g. in 30m');
    expect(refusal('+', UTC)).toContain('use e.g. in 30m');
  });
});

describe('parseTime: midnight and year boundaries', () => {
  it('just before midnight in Tokyo', () => {
    const now = new Date('2026-11-25T14:59:30Z'); // Wed 23:59:30 JST
    expect(at('tomorrow 00:00', TOKYO, now)).toBe('2026-11-25T15:00:00.000Z');
    expect(at('thu 00:00', TOKYO, now)).toBe('2026-11-25T15:00:00.000Z');
    expect(at('in 1m', TOKYO, now)).toBe('2026-11-25T15:00:30.000Z');
    expect(at('23:59', TOKYO, now)).toBe('2026-11-25T14:59:00.000Z'); // 30 s ago: within the grace period
    expect(refusal('00:00', TOKYO, now)).toBe('00:00 today has passed; use tomorrow 00:00');
    expect(at('2026-11-26', TOKYO, now)).toBe('2026-11-25T15:00:00.000Z');
  });

  it('just before midnight in Berlin and New York', () => {
    expect(at('tomorrow 00:00', BERLIN, new Date('2026-11-25T22:59:30Z'))).toBe('2026-11-25T23:00:00.000Z');
    expect(at('tomorrow 00:00', NEW_YORK, new Date('2026-11-26T04:59:30Z'))).toBe('2026-11-26T05:00:00.000Z');
  });

  it('just after midnight, "tomorrow" is the day after the new day', () => {
    const now = new Date('2026-11-25T15:00:30Z'); // Thu 00:00:30 JST
    expect(at('tomorrow 02:00', TOKYO, now)).toBe('2026-11-26T17:00:00.000Z');
    expect(at('02:00', TOKYO, now)).toBe('2026-11-25T17:00:00.000Z');
  });

  it('on New Year\'s Eve', () => {
    const tokyoEve = new Date('2026-12-31T14:30:00Z'); // Thu 23:30 JST
    const tomorrow = parseTime('tomorrow 02:00', tokyoEve, TOKYO);
    expect(tomorrow.at.toISOString()).toBe('2026-12-31T17:00:00.000Z');
    expect(tomorrow.shown).toMatch(/^2027-01-01 02:00 /);
    expect(at('fri 01:00', TOKYO, tokyoEve)).toBe('2026-12-31T16:00:00.000Z'); // 2027-01-01 is a Friday
    expect(at('thu 01:00', TOKYO, tokyoEve)).toBe('2027-01-06T16:00:00.000Z');

    const utcEve = new Date('2026-12-31T23:30:00Z');
    expect(at('tomorrow 00:15', UTC, utcEve)).toBe('2027-01-01T00:15:00.000Z');
    expect(at('2027-01-01', UTC, utcEve)).toBe('2027-01-01T00:00:00.000Z');
    expect(at('in 1h', UTC, utcEve)).toBe('2027-01-01T00:30:00.000Z');

    const newYorkEve = new Date('2027-01-01T04:30:00Z'); // Dec 31 23:30 EST
    expect(at('tomorrow 02:00', NEW_YORK, newYorkEve)).toBe('2027-01-01T07:00:00.000Z');
    expect(at('tomorrow 02:00', BERLIN, newYorkEve)).toBe('2027-01-02T01:00:00.000Z'); // already Jan 1 05:30 in Berlin
  });
});

describe('parseTime: daylight saving time', () => {
  it('refuses the skipped hour when DST starts in Berlin', () => {
    expect(refusal('2027-03-28 02:30', BERLIN)).toBe(
      '2027-03-28 02:30 does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00; use e.g. 2027-03-28 03:00',
    );
    // checked before "in the past"
    expect(refusal('2026-03-29 02:30', BERLIN)).toContain('does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00');
    expect(refusal('2027-03-28 02:00', BERLIN)).toContain('does not exist');
    expect(refusal('2027-03-28 02:59:59', BERLIN)).toContain('2027-03-28 02:59:59 does not exist');
  });

  it('accepts the minutes either side of the skipped hour in Berlin', () => {
    expect(at('2027-03-28 01:59', BERLIN)).toBe('2027-03-28T00:59:00.000Z');
    expect(at('2027-03-28 03:00', BERLIN)).toBe('2027-03-28T01:00:00.000Z');
    expect(at('2027-03-28 02:30+01:00', BERLIN)).toBe('2027-03-28T01:30:00.000Z');
  });

  it('refuses the repeated hour when DST ends in Berlin, suggesting the offsets', () => {
    const message = refusal('2027-10-31 02:30', BERLIN);
    expect(message).toMatch(/^2027-10-31 02:30 happens twice in Europe\/Berlin \(\S+ and \S+\); add the offset, e.g. 2027-10-31 02:30\+02:00 or 2027-10-31 02:30\+01:00$/);
    const [summer, winter] = [new Date('2027-10-31T00:30:00Z'), new Date('2027-10-31T01:30:00Z')].map((d) => formatTime(d, BERLIN).split(' ').pop());
    expect(message).toContain(`(${summer} and ${winter})`);
    expect(refusal('2026-10-25 02:30', BERLIN)).toContain('happens twice in Europe/Berlin');
    expect(refusal('2026-10-25 02:30', BERLIN)).toContain('add the offset, e.g. 2026-10-25 02:30+02:00');
  });

  it('takes the repeated hour in Berlin with an offset', () => {
    expect(at('2027-10-31 02:30+02:00', BERLIN)).toBe('2027-10-31T00:30:00.000Z');
    expect(at('2027-10-31 02:30+01:00', BERLIN)).toBe('2027-10-31T01:30:00.000Z');
    expect(at('2027-10-31 01:59', BERLIN)).toBe('2027-10-30T23:59:00.000Z');
    expect(at('2027-10-31 03:00', BERLIN)).toBe('2027-10-31T02:00:00.000Z');
    expect(at('2027-10-31 02:30 UTC', BERLIN)).toBe('2027-10-31T02:30:00.000Z');
  });

  it('applies to tomorrow and weekdays too', () => {
    const beforeSpring = new Date('2027-03-27T12:00:00Z'); // Saturday
    expect(refusal('tomorrow 02:30', BERLIN, beforeSpring)).toContain('2027-03-28 02:30 does not exist');
    expect(refusal('sun 02:30', BERLIN, beforeSpring)).toContain('use e.g. 2027-03-28 03:00');
    expect(at('tomorrow 03:30', BERLIN, beforeSpring)).toBe('2027-03-28T01:30:00.000Z');

    const beforeAutumn = new Date('2027-10-30T12:00:00Z'); // Saturday
    expect(refusal('tomorrow 02:30', BERLIN, beforeAutumn)).toContain('add the offset, e.g. 2027-10-31 02:30+02:00');
    expect(at('tomorrow 02:30+01:00', BERLIN, beforeAutumn)).toBe('2027-10-31T01:30:00.000Z');
    expect(at('sun 03:00', BERLIN, beforeAutumn)).toBe('2027-10-31T02:00:00.000Z');
  });

  it('refuses the skipped and repeated hours in New York', () => {
    expect(refusal('2027-03-14 02:30', NEW_YORK)).toBe(
      '2027-03-14 02:30 does not exist in America/New_York: clocks jump from 02:00 to 03:00; use e.g. 2027-03-14 03:00',
    );
    expect(refusal('2027-11-07 01:30', NEW_YORK)).toBe(
      '2027-11-07 01:30 happens twice in America/New_York (EDT and EST); add the offset, e.g. 2027-11-07 01:30-04:00 or 2027-11-07 01:30-05:00',
    );
    expect(refusal('2027-11-07 01:30 America/New_York', TOKYO)).toContain('happens twice');
    expect(at('2027-11-07 01:30-04:00', NEW_YORK)).toBe('2027-11-07T05:30:00.000Z');
    expect(at('2027-11-07 01:30-05:00', NEW_YORK)).toBe('2027-11-07T06:30:00.000Z');
    expect(at('2027-03-14 03:00', NEW_YORK)).toBe('2027-03-14T07:00:00.000Z');
  });

  it('has nothing to refuse in zones without DST', () => {
    expect(at('2027-03-28 02:30', TOKYO)).toBe('2027-03-27T17:30:00.000Z');
    expect(at('2027-10-31 02:30', UTC)).toBe('2027-10-31T02:30:00.000Z');
  });

  it('handles a whole skipped day (Samoa, 2011)', () => {
    const message = refusal('2011-12-30 12:00', 'Pacific/Apia', NOW, { allowPast: true });
    expect(message).toContain('does not exist in Pacific/Apia');
    expect(message).toContain('use e.g. 2011-12-31 00:00');
  });
});

describe('parseTime: times in the past', () => {
  it('refuses them, saying what time it is and what to type', () => {
    expect(refusal('2026-11-01 02:00', UTC)).toBe(
      '2026-11-01 02:00 UTC is in the past (it is now 2026-11-25 12:00 UTC); give a later time, e.g. tomorrow 02:00 or in 30m',
    );
    expect(refusal('2025-12-01 02:00', TOKYO)).toContain('is in the past');
    expect(refusal('2026-11-25 12:30', BERLIN)).toContain('e.g. tomorrow 12:30 or in 30m');
    expect(refusal('2026-11-25', NEW_YORK)).toContain('e.g. tomorrow 00:00');
  });

  it('accepts them with allowPast', () => {
    expect(at('2026-11-01 02:00', UTC, NOW, { allowPast: true })).toBe('2026-11-01T02:00:00.000Z');
    expect(at('2026-10-25 03:30', BERLIN, NOW, { allowPast: true })).toBe('2026-10-25T02:30:00.000Z');
    expect(at('2026-11-01 01:30-05:00', NEW_YORK, NOW, { allowPast: true })).toBe('2026-11-01T06:30:00.000Z');
  });

  it('allows a minute of grace by default, or what graceMs says', () => {
    expect(at('2026-11-25 11:59:30', UTC)).toBe('2026-11-25T11:59:30.000Z');
    expect(at('2026-11-25 11:59', UTC)).toBe('2026-11-25T11:59:00.000Z');
    expect(refusal('2026-11-25 11:58:59', UTC)).toContain('is in the past');
    expect(refusal('2026-11-25 11:59:30', UTC, NOW, { graceMs: 0 })).toContain('is in the past');
    expect(at('2026-11-25 11:55', UTC, NOW, { graceMs: 10 * 60_000 })).toBe('2026-11-25T11:55:00.000Z');
    expect(at('now', UTC, NOW, { graceMs: 0 })).toBe(NOW.toISOString());
  });
});

describe('parseTime: garbage', () => {
  it.each<[string, string]>([
    ['next week', 'use e.g. 2026-12-01 02:00, tomorrow 02:00, sun 03:00 or in 30m'],
    ['', 'no time given: use e.g.'],
    ['   ', 'no time given: use e.g.'],
    ['yesterday 02:00', "'yesterday' is not a day"],
    ['next sunday 03:00', 'use e.g. 2026-12-01 02:00'],
    ['25:00', 'use 00:00 to 23:59, e.g. 02:00'],
    ['12:60', 'use 00:00 to 23:59'],
    ['tomorrow 24:00', 'use 00:00 to 23:59'],
    ['2026-12-01 25:00', 'use 00:00 to 23:59'],
    ['2026-12-01 02:00:61', 'use 00:00 to 23:59'],
    ['2026-13-01 02:00', 'has no month 13: write the date as YYYY-MM-DD, e.g. 2026-12-01 02:00'],
    ['2026-00-10', 'has no month 0'],
    ['2026-02-30', '2026-02 has 28 days; write the date as YYYY-MM-DD'],
    ['2026-04-31 02:00', '2026-04 has 30 days'],
    ['2026-12-00', '2026-12 has 31 days'],
    ['2026/12/01 02:00', 'use e.g. 2026-12-01 02:00'],
    ['01.12.2026 02:00', 'use e.g. 2026-12-01 02:00'],
    ['2026-12-01 02', 'use e.g. 2026-12-01 02:00'],
    ['2026-12-01 02:00 foo bar', 'use e.g. 2026-12-01 02:00'],
    ['2pm', 'write 24-hour time instead, e.g. 02:00 or 14:30'],
    ['2:00 pm', 'write 24-hour time instead'],
    ['tomorrow 2pm', 'write 24-hour time instead'],
    ['30', 'use e.g. 2026-12-01 02:00'],
    ['-30m', 'use e.g. 2026-12-01 02:00'],
    ['x'.repeat(200), 'too long'],
  ])('refuses %j', (text, hint) => {
    for (const zone of [TOKYO, UTC, BERLIN, NEW_YORK]) {
      expect(refusal(text, zone)).toContain(hint);
    }
  });

  it('quotes the input on one line', () => {
    expect(refusal('next\nweek', UTC)).toContain("'next week' is not a time I understand");
  });
});

describe('parseDurationWord', () => {
  it('reads parseDuration syntax', () => {
    expect(parseDurationWord('2h', 'the window')).toBe(7_200_000);
    expect(parseDurationWord(' 1h30m ', 'the window')).toBe(5_400_000);
    expect(parseDurationWord('30M', 'the window')).toBe(1_800_000);
    expect(parseDurationWord('30d', 'the window')).toBe(30 * 86_400_000);
    expect(parseDurationWord('4w', 'the window')).toBe(28 * 86_400_000);
  });

  it.each<[string, string]>([
    ['soon', "'soon' is not a duration for the window: use e.g. 30m, 2h or 1h30m"],
    ['2 hours', "'2 hours' is not a duration for the window: use e.g. 30m, 2h or 1h30m"],
    ['', "'' is not a duration for the window: use e.g. 30m, 2h or 1h30m"],
    ['-1h', "'-1h' is not a duration for the window: use e.g. 30m, 2h or 1h30m"],
    ['0m', "'0m' is no time at all for the window: use e.g. 30m, 2h or 1h30m"],
    ['0h0m', "'0h0m' is no time at all for the window"],
    ['31d', "'31d' is too long for the window: at most 30d"],
    ['5w', "'5w' is too long for the window"],
    ['30d1s', 'at most 30d'],
  ])('refuses %j', (text, message) => {
    let thrown: unknown;
    try {
      parseDurationWord(text, 'the window');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as Error).message).toContain(message);
  });
});
