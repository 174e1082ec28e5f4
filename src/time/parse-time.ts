/**
 * Times as people type them in chat (`2026-12-01 02:00`, `tomorrow 02:00`,
 * `sun 03:00`, `in 30m`), read in the configured IANA zone unless the text
 * names its own zone or offset. Every refusal is a UserError with one line
 * saying what was wrong and what to type instead.
 *
 * Zone conversion uses Intl only: a local wall-clock time is turned into the
 * UTC instant(s) whose wall-clock in the zone equals it. None means the time
 * falls in the hour skipped when DST starts; two mean it falls in the hour
 * repeated when DST ends. Both are refused rather than guessed.
 */
import { UserError } from '../errors.js';
import { parseDuration } from './duration.js';
import { formatTime } from './format.js';

export interface ParsedTime {
  at: Date;
  /** how the user wrote it, normalised for echoing: '2026-12-01 02:00 JST' */
  shown: string;
}

export interface ParseTimeOptions {
  /** Accept times before now (for recording what already happened). Default false. */
  allowPast?: boolean;
  /** How far before now a time may be and still count as "now". Default 60 s. */
  graceMs?: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_DURATION_MS = 30 * DAY;
const DEFAULT_GRACE_MS = 60 * SECOND;

const EXAMPLES = 'use e.g. 2026-12-01 02:00, tomorrow 02:00, sun 03:00 or in 30m';

/**
 * Parses an absolute or relative time, in `timeZone`, relative to `now`.
 * Refuses times in the past (more than `graceMs`, default 60 s, before now)
 * unless opts.allowPast. `timeZone` must be valid (the config checks it);
 * an invalid one throws RangeError, as it is not the user's fault.
 */
export function parseTime(text: string, now: Date, timeZone: string, opts: ParseTimeOptions = {}): ParsedTime {
  const input = oneLine(text);
  const lower = input.toLowerCase();
  const nowMs = now.getTime();
  const allowPast = opts.allowPast ?? false;
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const configured: Zone = { kind: 'iana', name: timeZone };

  if (input === '') throw new UserError(`no time given: ${EXAMPLES}`);
  if (input.length > 80) throw new UserError(`that is too long for a time: ${EXAMPLES}`);
  if (lower === 'now') return { at: new Date(nowMs), shown: formatTime(new Date(nowMs), timeZone) };

  const relative = relativeMs(lower);
  if (relative !== null) {
    const at = new Date(nowMs + relative);
    return { at, shown: formatTime(at, timeZone) };
  }

  if (DAY_WORDS.has(lower)) {
    throw new UserError(`'${input}' needs a time of day: use e.g. ${lower} 02:00`);
  }

  const abs = ABSOLUTE.exec(input);
  if (abs) {
    const [, y, mo, d, h, mi, s, frac, tail] = abs;
    const date = checkDate(input, Number(y), Number(mo), Number(d));
    const time = h === undefined ? { hour: 0, minute: 0, second: 0 } : checkTime(input, Number(h), Number(mi), Number(s ?? 0));
    const zone = tail === undefined ? configured : parseZone(tail, input, timeZone);
    const wall: Wall = { ...date, ...time, ms: fractionMs(frac) };
    const at = new Date(resolve(wall, zone));
    const shown = formatTime(at, displayZone(zone, timeZone));
    if (!allowPast && at.getTime() < nowMs - graceMs) {
      const hhmm = `${pad(time.hour)}:${pad(time.minute)}`;
      throw new UserError(`${shown} is in the past (it is now ${formatTime(now, displayZone(zone, timeZone))}); give a later time, e.g. tomorrow ${hhmm} or in 30m`);
    }
    return { at, shown };
  }

  const tod = TIME_OF_DAY.exec(input);
  if (tod) {
    const [, word, h, mi, s, tail] = tod;
    const dayWord = word?.toLowerCase();
    if (dayWord !== undefined && dayWord !== 'at' && !DAY_WORDS.has(dayWord)) {
      throw new UserError(`'${input}' is not a time I understand: '${word}' is not a day; ${EXAMPLES}`);
    }
    const time = checkTime(input, Number(h), Number(mi), Number(s ?? 0));
    const zone = tail === undefined ? configured : parseZone(tail, input, timeZone);
    const clock = `${pad(time.hour)}:${pad(time.minute)}${s === undefined ? '' : `:${pad(time.second)}`}${tail === undefined ? '' : ` ${tail}`}`;
    const today = wallAt(nowMs, zone);
    const on = (days: number): number => resolve({ ...addDays(today, days), ...time, ms: 0 }, zone);

    let atMs: number;
    if (dayWord === 'tomorrow') {
      atMs = on(1);
    } else if (dayWord === undefined || dayWord === 'at' || dayWord === 'today') {
      atMs = on(0);
      if (!allowPast && atMs < nowMs - graceMs) {
        throw new UserError(`${clock} today has passed; use tomorrow ${clock}`);
      }
    } else {
      // A weekday: the next one; today only if the time is still ahead.
      const ahead = (WEEKDAYS.get(dayWord)! - weekday(today) + 7) % 7;
      atMs = on(ahead);
      if (ahead === 0 && atMs < nowMs - graceMs) atMs = on(7);
    }
    const at = new Date(atMs);
    return { at, shown: formatTime(at, displayZone(zone, timeZone)) };
  }

  if (/\d\s*[ap]\.?m\.?$/i.test(input)) {
    throw new UserError(`'${input}' uses am/pm: write 24-hour time instead, e.g. 02:00 or 14:30`);
  }
  throw new UserError(`'${input}' is not a time I understand: ${EXAMPLES}`);
}

/**
 * A duration for an option such as `for=2h` or `extend ID 30m`, in ms.
 * `what` names it in the message, after "for": "the maintenance window".
 */
export function parseDurationWord(text: string, what: string): number {
  const input = oneLine(text);
  const ms = parseDuration(input);
  if (ms === null) throw new UserError(`'${input}' is not a duration for ${what}: use e.g. 30m, 2h or 1h30m`);
  if (ms <= 0) throw new UserError(`'${input}' is no time at all for ${what}: use e.g. 30m, 2h or 1h30m`);
  if (ms > MAX_DURATION_MS) throw new UserError(`'${input}' is too long for ${what}: at most 30d; use e.g. 2h or 7d`);
  return ms;
}

// ---------------------------------------------------------------------------
// Grammar

/** `2026-12-01`, `2026-12-01 02:00`, `2026-12-01T02:00:30.5`, then optionally a zone. */
const ABSOLUTE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:t|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*(\S+))?$/i;

/** `02:00`, `2:30`, `today 14:00`, `tomorrow at 02:00`, `sun 03:00`, then optionally a zone. */
const TIME_OF_DAY = /^(?:([a-z]+)\s+(?:at\s+)?)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*(\S+))?$/i;

const WEEKDAYS = new Map<string, number>([
  ['sun', 0], ['sunday', 0],
  ['mon', 1], ['monday', 1],
  ['tue', 2], ['tues', 2], ['tuesday', 2],
  ['wed', 3], ['wednesday', 3],
  ['thu', 4], ['thur', 4], ['thurs', 4], ['thursday', 4],
  ['fri', 5], ['friday', 5],
  ['sat', 6], ['saturday', 6],
]);

const DAY_WORDS = new Set<string>(['today', 'tomorrow', ...WEEKDAYS.keys()]);

/** `in 30m`, `+30m`, `30m`, `in 1h 30m`: ms from now; null when the text is not relative. */
function relativeMs(lower: string): number | null {
  const m = /^(?:in\s+|\+\s*)(.*)$/.exec(lower);
  if (!m) return parseDuration(lower);
  const rest = m[1]!;
  const ms = parseDuration(rest.replace(/\s+/g, ''));
  if (ms === null) throw new UserError(`'${rest}' is not a duration: use e.g. in 30m, in 2h or in 1h30m`);
  return ms;
}

function checkDate(input: string, year: number, month: number, day: number): { year: number; month: number; day: number } {
  if (month < 1 || month > 12) {
    throw new UserError(`'${input}' has no month ${month}: write the date as YYYY-MM-DD, e.g. 2026-12-01 02:00`);
  }
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) {
    throw new UserError(`'${input}' is not a date: ${year}-${pad(month)} has ${last} days; write the date as YYYY-MM-DD, e.g. 2026-12-01 02:00`);
  }
  return { year, month, day };
}

function checkTime(input: string, hour: number, minute: number, second: number): { hour: number; minute: number; second: number } {
  if (hour > 23 || minute > 59 || second > 59) {
    throw new UserError(`'${input}' has no valid time of day: use 00:00 to 23:59, e.g. 02:00`);
  }
  return { hour, minute, second };
}

function fractionMs(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

// ---------------------------------------------------------------------------
// Zones

type Zone = { kind: 'iana'; name: string } | { kind: 'offset'; ms: number };

/** `Z`, `UTC`, `GMT`, `+09:00`, `-0500`, `+09`, `Asia/Tokyo`; refuses abbreviations such as JST or CET. */
function parseZone(tail: string, input: string, configured: string): Zone {
  const example = configured.includes('/') ? configured : 'Asia/Tokyo';
  const t = tail.toLowerCase();
  if (t === 'am' || t === 'pm') throw new UserError(`'${input}' uses am/pm: write 24-hour time instead, e.g. 02:00 or 14:30`);
  if (t === 'z' || t === 'utc' || t === 'gmt') return { kind: 'iana', name: 'UTC' };
  const off = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(t);
  if (off) {
    const hours = Number(off[2]);
    const minutes = Number(off[3] ?? 0);
    if (hours > 14 || minutes > 59 || (hours === 14 && minutes > 0)) {
      throw new UserError(`'${tail}' is not a UTC offset: use -12:00 to +14:00, e.g. +09:00`);
    }
    return { kind: 'offset', ms: (off[1] === '-' ? -1 : 1) * (hours * HOUR + minutes * MINUTE) };
  }
  if (/^[a-z][a-z0-9_+-]*(\/[a-z0-9_+-]+)+$/.test(t)) {
    try {
      return { kind: 'iana', name: new Intl.DateTimeFormat('en', { timeZone: tail }).resolvedOptions().timeZone };
    } catch {
      throw new UserError(`'${tail}' is not a time zone: use UTC, an offset like +09:00 or a zone name like ${example}`);
    }
  }
  if (/^[a-z]{2,5}$/.test(t)) {
    // Abbreviations are ambiguous (IST, CST) and some IANA links named like
    // them do not mean what people think (CET observes summer time).
    throw new UserError(`'${tail}' is not a zone I accept: use UTC, an offset like +09:00 or a zone name like ${example}`);
  }
  if (/\d\s*[ap]\.?m\.?$/i.test(input)) {
    throw new UserError(`'${input}' uses am/pm: write 24-hour time instead, e.g. 02:00 or 14:30`);
  }
  throw new UserError(`'${input}' is not a time I understand: ${EXAMPLES}`);
}

/** Where `shown` is formatted: the zone the user named, else the configured one (Intl cannot format fixed offsets). */
function displayZone(zone: Zone, configured: string): string {
  return zone.kind === 'iana' ? zone.name : configured;
}

interface Wall {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** The wall-clock fields as if they were UTC, in ms (works for years below 100 too). */
function wallMs(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.ms);
  return d.getTime();
}

function wallFromMs(t: number): Wall {
  const d = new Date(t);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(),
  };
}

function daysInMonth(year: number, month: number): number {
  return wallFromMs(wallMs({ year, month: month + 1, day: 0, hour: 0, minute: 0, second: 0, ms: 0 })).day;
}

function addDays(w: Wall, days: number): { year: number; month: number; day: number } {
  const { year, month, day } = wallFromMs(wallMs({ ...w, hour: 12, day: w.day + days }));
  return { year, month, day };
}

function weekday(w: Wall): number {
  return new Date(wallMs(w)).getUTCDay();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = era === 'BC' ? 1 - get('year') : get('year');
  const local = wallMs({ year, month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second'), ms: 0 });
  const wholeSeconds = instant - (((instant % SECOND) + SECOND) % SECOND);
  return local - wholeSeconds;
}

function zoneOffsetAt(instant: number, zone: Zone): number {
  return zone.kind === 'offset' ? zone.ms : offsetAt(instant, zone.name);
}

/** The wall-clock in `zone` at `instant`. */
function wallAt(instant: number, zone: Zone): Wall {
  return wallFromMs(instant + zoneOffsetAt(instant, zone));
}

/**
 * The UTC instants whose wall-clock in `zone` is `w`, earliest first: one
 * normally, none in a skipped hour, two in a repeated hour. The candidate
 * offsets are those in force a day either side, which covers any transition.
 */
function instantsFor(w: Wall, zone: Zone): number[] {
  const local = wallMs(w);
  if (zone.kind === 'offset') return [local - zone.ms];
  const offsets = new Set([local - DAY, local, local + DAY].map((t) => offsetAt(t, zone.name)));
  const found = new Set<number>();
  for (const off of offsets) {
    const t = local - off;
    if (offsetAt(t, zone.name) === off) found.add(t);
  }
  return [...found].sort((a, b) => a - b);
}

/** The one instant for `w` in `zone`; refuses skipped and repeated local times. */
function resolve(w: Wall, zone: Zone): number {
  const found = instantsFor(w, zone);
  if (found.length === 1) return found[0]!;
  if (zone.kind === 'offset') throw new Error('unreachable: fixed offsets map one to one');
  const local = `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}${w.second === 0 ? '' : `:${pad(w.second)}`}`;
  if (found.length === 0) {
    const { from, to } = gap(wallMs(w), zone.name);
    const sameDay = from.slice(0, 10) === to.slice(0, 10);
    const jump = sameDay ? `from ${from.slice(11)} to ${to.slice(11)}` : `from ${from} to ${to}`;
    throw new UserError(`${local} does not exist in ${zone.name}: clocks jump ${jump}; use e.g. ${to}`);
  }
  const names = found.map((t) => formatTime(new Date(t), zone.name).split(' ').pop());
  const offsets = found.map((t) => `${local}${offsetText(offsetAt(t, zone.name))}`);
  throw new UserError(`${local} happens twice in ${zone.name} (${names.join(' and ')}); add the offset, e.g. ${offsets.join(' or ')}`);
}

/** For a skipped local time (as if UTC), the wall-clock just before and after the jump: `2026-03-29 02:00` → `2026-03-29 03:00`. */
function gap(local: number, timeZone: string): { from: string; to: string } {
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  // offset(lo) === before and offset(hi) !== before; narrow to the second.
  let lo = local - DAY;
  let hi = local + DAY;
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  const clock = (t: number): string => {
    const w = wallFromMs(t);
    return `${String(w.year).padStart(4, '0')}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
  };
  return { from: clock(hi + before), to: clock(hi + after) };
}

function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(ms) / MINUTE);
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The text on one line, to parse and to quote back. */
function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}
