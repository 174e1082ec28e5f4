/**
 * Syslog message parsing: RFC 5424, RFC 3164 (BSD) and what real senders make
 * of the latter. Drops nothing: text that is not syslog comes back as a `raw`,
 * `malformed` message so the operator still sees it.
 */

export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164' | 'raw';
  /** True exactly when `format` is `raw`: no usable PRI, so nothing else was read. */
  malformed: boolean;
  facility: number | null; // 0..23
  severity: number | null; // 0..7
  /** From the message, when it had a valid one. */
  timestamp: Date | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  /** The raw SD text, brackets and escapes included, or null. */
  structuredData: string | null;
  /** As sent (a counted TCP frame may hold newlines); control characters are replaced only in malformed text. */
  message: string;
  /** `message` was cut to the configured maximum. */
  truncated: boolean;
  remoteAddress: string;
  /** The text as received. */
  raw: string;
}

export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export interface ParseOptions {
  /** IANA zone for timestamps that carry no offset (BSD ones). Default UTC. An unknown zone throws RangeError. */
  timezone?: string;
  /** Longest `message` kept, in UTF-8 bytes. Default 8 KiB. */
  maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export function parseSyslog(raw: string, remoteAddress: string, now: Date, options: ParseOptions = {}): SyslogMessage {
  const text = raw.replace(/[\r\n\0]+$/, '');
  const fields = parsePri(text);
  const parsed: Fields = fields
    ? (parse5424(fields.rest) ?? parse3164(fields.rest, now, options.timezone ?? 'UTC'))
    : { format: 'raw', timestamp: null, hostname: null, appName: null, procId: null, msgId: null, structuredData: null, message: replaceControls(text) };
  const { message, truncated } = cap(parsed.message, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  return {
    ...parsed,
    malformed: parsed.format === 'raw',
    facility: fields ? fields.pri >> 3 : null,
    severity: fields ? fields.pri & 7 : null,
    message,
    truncated,
    remoteAddress,
    raw,
  };
}

type Fields = Omit<SyslogMessage, 'malformed' | 'facility' | 'severity' | 'truncated' | 'remoteAddress' | 'raw'>;

/** `<PRI>`: 1 to 3 digits, no leading zero (RFC 3164 4.1.1), at most 191 (facility 23, severity 7). */
function parsePri(text: string): { pri: number; rest: string } | null {
  const m = /^<(0|[1-9]\d{0,2})>/.exec(text);
  if (!m) return null;
  const pri = Number(m[1]);
  return pri <= 191 ? { pri, rest: text.slice(m[0].length) } : null;
}

/** `1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`; null if the header is not there. */
function parse5424(rest: string): Fields | null {
  const m = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (!m) return null;
  const [ts, hostname, appName, procId, msgId] = m.slice(1) as [string, string, string, string, string];
  const sdStart = m[0].length;
  const sdEnd = structuredDataEnd(rest, sdStart);
  // A sender that leaves out SD or botches it still wrote a message: keep
  // everything after the header as the message rather than lose it.
  const sdOk = sdEnd !== -1 && (sdEnd === rest.length || rest[sdEnd] === ' ');
  const sd = sdOk ? rest.slice(sdStart, sdEnd) : '-';
  const msg = sdOk ? rest.slice(sdEnd + 1) : rest.slice(sdStart);
  return {
    format: 'rfc5424',
    timestamp: ts === '-' ? null : isoTimestamp(ts, 'UTC', true),
    hostname: nil(hostname),
    appName: nil(appName),
    procId: nil(procId),
    msgId: nil(msgId),
    structuredData: nil(sd),
    message: msg.startsWith('\uFEFF') ? msg.slice(1) : msg,
  };
}

function nil(field: string): string | null {
  return field === '-' ? null : field;
}

/**
 * Where the STRUCTURED-DATA starting at `at` ends, or -1 if it is not valid
 * RFC 5424 SD: `-`, or `[ID name="value" ...]` elements back to back, with
 * `"`, `\` and `]` escaped by a backslash inside values.
 */
function structuredDataEnd(s: string, at: number): number {
  if (s[at] === '-') return at + 1;
  const name = /[^= \]"]+/y;
  let i = at;
  while (s[i] === '[') {
    name.lastIndex = i + 1;
    if (!name.test(s)) return -1;
    i = name.lastIndex;
    while (s[i] === ' ') {
      name.lastIndex = i + 1;
      if (!name.test(s) || s[name.lastIndex] !== '=' || s[name.lastIndex + 1] !== '"') return -1;
      i = name.lastIndex + 2;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      if (i >= s.length) return -1;
      i++;
    }
    if (s[i] !== ']') return -1;
    i++;
  }
  return i === at ? -1 : i;
}

/**
 * BSD syslog: `TIMESTAMP HOSTNAME TAG[PID]: MSG`, where real senders drop the
 * hostname (logger to a local socket, many devices), write an RFC 3339
 * timestamp (rsyslog's forwarding templates) or a year (Cisco ASA). Whatever
 * does not fit, RFC 3164 4.3.3 says to keep whole as the message.
 */
function parse3164(rest: string, now: Date, timezone: string): Fields {
  const fields: Fields = { format: 'rfc3164', timestamp: null, hostname: null, appName: null, procId: null, msgId: null, structuredData: null, message: rest };
  const ts = bsdTimestamp(rest, now, timezone) ?? isoPrefix(rest, timezone);
  if (!ts) return fields;
  fields.timestamp = ts.date;
  let body = rest.slice(ts.length).replace(/^ +/, '');
  let tag = TAG.exec(body);
  if (!tag) {
    // The word after the timestamp is the hostname unless it is already the tag.
    const host = /^(\S+)(?: +|$)/.exec(body);
    if (host) {
      fields.hostname = host[1]!;
      body = body.slice(host[0].length);
      tag = TAG.exec(body);
    }
  }
  if (tag) {
    fields.appName = tag[1]!;
    fields.procId = tag[2] || null;
    body = body.slice(tag[0].length);
  }
  fields.message = body;
  return fields;
}

/** `app:`, `app[123]:`, `%ASA-6-302013:`; the colon must end a word, so an IPv6 hostname is no tag. */
const TAG = /^([^\s[\]:]+)(?:\[([^\]\s]*)\])?:(?: |$)/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * `Mmm dd hh:mm:ss`, optionally with fractions or a year (`Mmm dd yyyy
 * hh:mm:ss`) and a trailing colon as Cisco writes it. `date` is null when the
 * shape is right but the value is not (Feb 30, 25:00).
 */
function bsdTimestamp(s: string, now: Date, timezone: string): { date: Date | null; length: number } | null {
  const m = /^([A-Za-z]{3}) +(\d{1,2}) (?:(\d{4}) )?(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?:?(?= |$)/.exec(s);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month === -1) return null;
  const [day, hour, minute, second] = [m[2], m[4], m[5], m[6]].map(Number) as [number, number, number, number];
  const ms = fractionMs(m[7]);
  const wall = (year: number) => wallClock(year, month, day, hour, minute, second, ms);
  let date: Date | null = null;
  if (m[3]) {
    const t = wall(Number(m[3]));
    date = t === null ? null : new Date(zonedToUtc(t, timezone));
  } else {
    // No year: take the latest one that does not put the message more than a
    // day ahead of us (clock skew). Going back 8 years finds a Feb 29.
    const latest = now.getTime() + DAY_MS;
    for (let year = now.getUTCFullYear() + 1; year >= now.getUTCFullYear() - 8 && !date; year--) {
      const t = wall(year);
      if (t === null) continue;
      const utc = zonedToUtc(t, timezone);
      if (utc <= latest) date = new Date(utc);
    }
  }
  return { date, length: m[0].length };
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?$/i;

/** An RFC 3339 timestamp opening BSD-style text, as rsyslog's RSYSLOG_ForwardFormat sends. */
function isoPrefix(s: string, timezone: string): { date: Date | null; length: number } | null {
  const word = /^\S+/.exec(s)?.[0];
  if (!word || !ISO.test(word)) return null;
  return { date: isoTimestamp(word, timezone, false), length: word.length };
}

/** RFC 3339 to a Date (to the millisecond); null when invalid or, if `needZone`, without an offset. */
function isoTimestamp(s: string, timezone: string, needZone: boolean): Date | null {
  const m = ISO.exec(s);
  if (!m || (needZone && !m[8])) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const wall = wallClock(year, month - 1, day, hour, minute, second, fractionMs(m[7]));
  if (wall === null) return null;
  const zone = m[8]?.toUpperCase();
  if (!zone) return new Date(zonedToUtc(wall, timezone));
  if (zone === 'Z') return new Date(wall);
  const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number];
  if (oh > 23 || om > 59) return null;
  return new Date(wall - (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000);
}

function fractionMs(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

/** Wall-clock fields as milliseconds "as if UTC"; null unless they name a real time. */
function wallClock(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | null {
  const t = Date.UTC(year, month, day, hour, minute, second, ms);
  const d = new Date(t);
  const real = d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day && d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
  return real ? t : null;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `utc`, in ms. Throws RangeError for an unknown zone. */
function zoneOffset(utc: number, timeZone: string): number {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(utc)) p[part.type] = Number(part.value);
  const seconds = utc - (((utc % 1000) + 1000) % 1000);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - seconds;
}

/**
 * Wall-clock time in `timeZone` to a UTC instant. Taking the offset a second
 * time, at the first guess, lands on the right side of a DST change.
 */
function zonedToUtc(wall: number, timeZone: string): number {
  if (timeZone === 'UTC') return wall;
  const guess = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(guess, timeZone);
}

/** Control characters (tab aside) shown as U+FFFD, so garbage cannot mangle a chat line or a terminal. */
function replaceControls(s: string): string {
  return s.replace(/[\0-\x08\n-\x1f\x7f-\x9f]/g, '\uFFFD');
}

/** Cut to `maxBytes` of UTF-8 without splitting a character. */
function cap(message: string, maxBytes: number): { message: string; truncated: boolean } {
  // Below maxBytes/3 UTF-16 units, no string can exceed maxBytes of UTF-8.
  if (message.length * 3 <= maxBytes || Buffer.byteLength(message) <= maxBytes) return { message, truncated: false };
  const { read } = new TextEncoder().encodeInto(message, new Uint8Array(maxBytes));
  return { message: message.slice(0, read), truncated: true };
}
