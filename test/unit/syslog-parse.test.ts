import { describe, expect, it } from 'vitest';
import { parseSyslog, SEVERITY_NAMES, type SyslogMessage } from '../../src/ingest/syslog/parse.js';

const NOW = new Date('2026-11-25T16:07:50Z');
const parse = (raw: string, now = NOW, options = {}) => parseSyslog(raw, '192.0.2.7', now, options);
const TQ = '[timeQuality tzKnown="1" isSynced="0"]';

describe('parseSyslog: what util-linux logger 2.38 sends (lines captured from the wire)', () => {
  it.each<[string, string, Partial<SyslogMessage>]>([
    [
      '--rfc5424 -t app -p local0.err',
      `<131>1 2026-11-25T16:07:29.980753+00:00 vm app - - ${TQ} hello 5424`,
      { format: 'rfc5424', facility: 16, severity: 3, timestamp: new Date('2026-11-25T16:07:29.980Z'), hostname: 'vm', appName: 'app', procId: null, msgId: null, structuredData: TQ, message: 'hello 5424' },
    ],
    [
      '--rfc3164 -t app -p local0.err',
      '<131>Nov 25 16:07:29 vm app: hello 3164',
      { format: 'rfc3164', facility: 16, severity: 3, timestamp: new Date('2026-11-25T16:07:29Z'), hostname: 'vm', appName: 'app', procId: null, message: 'hello 3164' },
    ],
    [
      '--rfc3164 -i (PID)',
      '<13>Nov 25 16:07:30 vm app[21767]: pid3164',
      { format: 'rfc3164', facility: 1, severity: 5, hostname: 'vm', appName: 'app', procId: '21767', message: 'pid3164' },
    ],
    [
      '--rfc5424=notq,nohost',
      '<13>1 2026-11-25T16:07:29.986796+00:00 - app - - - snip',
      { format: 'rfc5424', hostname: null, appName: 'app', structuredData: null, message: 'snip' },
    ],
    ['--rfc5424=notime', '<13>1 - vm app - - - notime', { format: 'rfc5424', timestamp: null, hostname: 'vm', message: 'notime' }],
    [
      '-i --msgid --sd-id --sd-param with escapes',
      `<13>1 2026-11-25T16:07:38.661021+00:00 vm app 21840 MID ${TQ}[ex@32473 k="v\\]x\\"y\\\\z"] sd`,
      { format: 'rfc5424', procId: '21840', msgId: 'MID', structuredData: `${TQ}[ex@32473 k="v\\]x\\"y\\\\z"]`, message: 'sd' },
    ],
    ['an empty line from stdin: SD then a lone space', `<13>1 2026-11-25T16:07:30.008216+00:00 vm app - - ${TQ} `, { format: 'rfc5424', structuredData: TQ, message: '' }],
    ['unicode is plain UTF-8, no BOM', `<13>1 2026-11-25T16:07:30.016376+00:00 vm app - - ${TQ} héllo ✓ 日本`, { message: 'héllo ✓ 日本' }],
    ['no -t: the tag is the user name', `<13>1 2026-11-25T16:07:30.021329+00:00 vm root - - ${TQ} notag`, { appName: 'root', message: 'notag' }],
    ['tab and control characters go through as they are', `<13>1 2026-11-25T16:07:38.684395+00:00 vm app - - ${TQ} tab\there\u0001ctl`, { malformed: false, message: 'tab\there\u0001ctl' }],
    ['CRLF line from stdin keeps its CR in the datagram', '<13>Nov 25 16:07:38 vm app: a\r', { message: 'a' }],
    ['default format to a local socket: no hostname', '<12>Nov 25 16:07:45 app: local default', { format: 'rfc3164', facility: 1, severity: 4, hostname: null, appName: 'app', message: 'local default' }],
    ['local socket with -i', '<13>Nov 25 16:07:45 app[21943]: local pid', { hostname: null, appName: 'app', procId: '21943', message: 'local pid' }],
  ])('%s', (_name, raw, expected) => {
    const m = parse(raw);
    expect(m).toMatchObject({ malformed: false, truncated: false, remoteAddress: '192.0.2.7', raw, ...expected });
  });
});

describe('parseSyslog: RFC 5424 section 6.5 examples', () => {
  it('example 1: NILVALUE SD, BOM before MSG', () => {
    const m = parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8");
    expect(m).toMatchObject({
      format: 'rfc5424',
      facility: 4,
      severity: 2,
      timestamp: new Date('2003-10-11T22:14:15.003Z'),
      hostname: 'mymachine.example.com',
      appName: 'su',
      procId: null,
      msgId: 'ID47',
      structuredData: null,
      message: "'su root' failed for lonvick on /dev/pts/8",
    });
    expect(SEVERITY_NAMES[m.severity!]).toBe('crit');
  });

  it('example 2: microseconds and a negative offset', () => {
    const m = parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
    expect(m).toMatchObject({
      facility: 20,
      severity: 5,
      timestamp: new Date('2003-08-24T12:14:15.000Z'),
      hostname: '192.0.2.1',
      appName: 'myproc',
      procId: '8710',
      msgId: null,
      structuredData: null,
      message: "%% It's time to make the do-nuts.",
    });
  });

  it('example 3: structured data and a BOM', () => {
    const sd = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]';
    const m = parse(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sd} \uFEFFAn application event log entry...`);
    expect(m).toMatchObject({ appName: 'evntslog', msgId: 'ID47', structuredData: sd, message: 'An application event log entry...' });
  });

  it('example 4: two SD elements and no MSG at all', () => {
    const sd = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]';
    const m = parse(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sd}`);
    expect(m).toMatchObject({ format: 'rfc5424', structuredData: sd, message: '' });
  });

  it('an SD element with no parameters, and escapes that hide ] and "', () => {
    const sd = '[origin][meta x="a\\"] b\\\\" y=""]';
    expect(parse(`<14>1 - h a - - ${sd} text`)).toMatchObject({ structuredData: sd, message: 'text' });
  });
});

describe('parseSyslog: RFC 3164 section 5.4 examples', () => {
  it('example 1', () => {
    expect(parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")).toMatchObject({
      format: 'rfc3164',
      facility: 4,
      severity: 2,
      timestamp: new Date('2026-10-11T22:14:15Z'),
      hostname: 'mymachine',
      appName: 'su',
      message: "'su root' failed for lonvick on /dev/pts/8",
    });
  });

  it('example 2, no PRI at all: kept as raw text', () => {
    expect(parse('Use the BFG!')).toMatchObject({ format: 'raw', malformed: true, facility: null, severity: null, timestamp: null, message: 'Use the BFG!' });
  });

  it('example 3: an address as hostname and no tag', () => {
    expect(parse('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!')).toMatchObject({
      timestamp: new Date('2026-02-05T17:32:18Z'),
      hostname: '10.0.0.99',
      appName: null,
      message: 'Use the BFG!',
    });
  });

  it('example 4: a non-standard timestamp, read as the RFC says a relay would', () => {
    const m = parse("<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK");
    expect(m).toMatchObject({ facility: 20, severity: 5, hostname: 'CST', appName: null, message: "1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK" });
  });

  it('example 5: no valid timestamp, so everything after PRI is the message', () => {
    const m = parse("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!");
    expect(m).toMatchObject({ format: 'rfc3164', malformed: false, facility: 0, severity: 0, timestamp: null, hostname: null, appName: null, message: "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!" });
  });

  it('example 6: the same after a relay added its header', () => {
    const m = parse("<0>Oct 22 10:52:12 scapegoat 1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!");
    expect(m).toMatchObject({ hostname: 'scapegoat', appName: null, message: "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!" });
  });
});

describe('parseSyslog: other real senders', () => {
  it('rsyslog RSYSLOG_ForwardFormat (RFC 3339 timestamp in a BSD line)', () => {
    expect(parse('<30>2024-03-10T11:59:58.123456+01:00 web01 systemd[1]: Started Session 42 of user root.')).toMatchObject({
      format: 'rfc3164',
      facility: 3,
      severity: 6,
      timestamp: new Date('2024-03-10T10:59:58.123Z'),
      hostname: 'web01',
      appName: 'systemd',
      procId: '1',
      message: 'Started Session 42 of user root.',
    });
  });

  it('rsyslog RSYSLOG_TraditionalForwardFormat', () => {
    expect(parse('<86>Mar 10 11:59:58 web01 sshd[4242]: Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2', new Date('2024-03-10T12:00:00Z'))).toMatchObject({
      facility: 10,
      severity: 6,
      timestamp: new Date('2024-03-10T11:59:58Z'),
      hostname: 'web01',
      appName: 'sshd',
      procId: '4242',
      message: 'Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2',
    });
  });

  it('Cisco IOS with sequence numbers: no syslog header, kept whole with its priority', () => {
    const m = parse('<189>123: *Mar  1 00:01:23.456: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)');
    expect(m).toMatchObject({ format: 'rfc3164', malformed: false, facility: 23, severity: 5, timestamp: null, hostname: null, message: '123: *Mar  1 00:01:23.456: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)' });
  });

  it('Cisco IOS with a hostname: the mnemonic is the tag', () => {
    expect(parse('<187>Mar 10 11:58:00 core-sw1 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down', new Date('2024-03-10T12:00:00Z'))).toMatchObject({
      severity: 3,
      hostname: 'core-sw1',
      appName: '%LINK-3-UPDOWN',
      message: 'Interface GigabitEthernet0/1, changed state to down',
    });
  });

  it('Cisco ASA: year in the timestamp, trailing colon, no hostname', () => {
    expect(parse('<166>Mar 10 2024 11:59:00: %ASA-6-302013: Built outbound TCP connection 12345 for outside:203.0.113.5/443')).toMatchObject({
      facility: 20,
      severity: 6,
      timestamp: new Date('2024-03-10T11:59:00Z'),
      hostname: null,
      appName: '%ASA-6-302013',
      message: 'Built outbound TCP connection 12345 for outside:203.0.113.5/443',
    });
  });

  it('milliseconds in a BSD timestamp', () => {
    expect(parse('<190>Nov 25 16:07:29.250 fw01 kernel: drop').timestamp).toEqual(new Date('2026-11-25T16:07:29.250Z'));
  });

  it('an IPv6 hostname is not mistaken for a tag', () => {
    expect(parse('<14>Nov 25 16:07:29 2001:db8::7 cron[99]: ran')).toMatchObject({ hostname: '2001:db8::7', appName: 'cron', procId: '99', message: 'ran' });
  });

  it('an empty PID is no PID', () => {
    expect(parse('<14>Nov 25 16:07:29 host app[]: m')).toMatchObject({ appName: 'app', procId: null, message: 'm' });
  });

  it('a hostname and no tag or message', () => {
    expect(parse('<14>Nov 25 16:07:29 host')).toMatchObject({ hostname: 'host', appName: null, message: '' });
  });

  it('a bare PRI is an empty message, not garbage', () => {
    expect(parse('<13>')).toMatchObject({ format: 'rfc3164', malformed: false, severity: 5, message: '' });
  });

  it('the highest PRI, 191', () => {
    expect(parse('<191>x')).toMatchObject({ facility: 23, severity: 7, message: 'x' });
  });
});

describe('parseSyslog: BSD timestamps have no year and no zone', () => {
  const at = (raw: string, now: string, timezone?: string) => parse(`<13>${raw} host app: m`, new Date(now), { timezone }).timestamp?.toISOString();

  it('a message from just before New Year read just after it is from last year', () => {
    expect(at('Dec 31 23:59:50', '2025-01-01T00:00:30Z')).toBe('2024-12-31T23:59:50.000Z');
  });

  it('a sender whose clock is a little ahead across New Year is next year', () => {
    expect(at('Jan  1 00:00:10', '2024-12-31T23:59:50Z')).toBe('2025-01-01T00:00:10.000Z');
  });

  it('up to a day ahead is this year; more is last year', () => {
    expect(at('Mar 11 11:00:00', '2025-03-10T12:00:00Z')).toBe('2025-03-11T11:00:00.000Z');
    expect(at('Mar 12 12:00:00', '2025-03-10T12:00:00Z')).toBe('2024-03-12T12:00:00.000Z');
  });

  it('Feb 29 goes back to the last leap year', () => {
    expect(at('Feb 29 10:00:00', '2025-03-01T00:00:00Z')).toBe('2024-02-29T10:00:00.000Z');
  });

  it('is UTC unless a zone is given, then that zone with its DST', () => {
    expect(at('Mar 10 21:00:00', '2024-03-11T00:00:00Z')).toBe('2024-03-10T21:00:00.000Z');
    expect(at('Mar 10 21:00:00', '2024-03-11T00:00:00Z', 'Asia/Tokyo')).toBe('2024-03-10T12:00:00.000Z');
    expect(at('Jan 15 12:00:00', '2024-08-01T00:00:00Z', 'Europe/Berlin')).toBe('2024-01-15T11:00:00.000Z');
    expect(at('Jul 15 12:00:00', '2024-08-01T00:00:00Z', 'Europe/Berlin')).toBe('2024-07-15T10:00:00.000Z');
    expect(at('Nov  3 12:00:00', '2024-12-01T00:00:00Z', 'America/New_York')).toBe('2024-11-03T17:00:00.000Z');
  });

  it('the one-day limit is measured in real time, whatever the zone', () => {
    // 09:00 on Mar 11 in Tokyo is 00:00 UTC: 12 hours ahead, so still this year.
    expect(at('Mar 11 09:00:00', '2024-03-10T12:00:00Z', 'Asia/Tokyo')).toBe('2024-03-11T00:00:00.000Z');
  });

  it('an RFC 3339 timestamp without an offset is read in the zone too', () => {
    expect(at('2024-03-10T21:00:00', '2024-03-11T00:00:00Z', 'Asia/Tokyo')).toBe('2024-03-10T12:00:00.000Z');
  });

  it('an RFC 3339 offset wins over the zone', () => {
    expect(at('2024-03-10T21:00:00Z', '2024-03-11T00:00:00Z', 'Asia/Tokyo')).toBe('2024-03-10T21:00:00.000Z');
  });

  it('an unknown zone is an error, not a silent UTC', () => {
    expect(() => parse('<13>Mar 10 21:00:00 host app: m', NOW, { timezone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});

describe('parseSyslog: invalid dates keep the rest of the message', () => {
  it.each<[string, string, Partial<SyslogMessage>]>([
    ['Feb 30', '<13>Feb 30 10:00:00 host app: m', { format: 'rfc3164', hostname: 'host', appName: 'app', message: 'm' }],
    ['hour 25', '<13>Nov 25 25:61:00 host app: m', { format: 'rfc3164', hostname: 'host', appName: 'app', message: 'm' }],
    ['5424 Feb 30', '<13>1 2003-02-30T10:00:00Z host app - - - m', { format: 'rfc5424', hostname: 'host', message: 'm' }],
    ['5424 without an offset', '<13>1 2003-10-11T22:14:15 host app - - - m', { format: 'rfc5424', hostname: 'host', message: 'm' }],
    ['5424 offset out of range', '<13>1 2003-10-11T22:14:15+25:00 host app - - - m', { format: 'rfc5424', message: 'm' }],
    ['5424 a word', '<13>1 yesterday host app - - - m', { format: 'rfc5424', hostname: 'host', message: 'm' }],
    ['3339 Feb 30', '<13>2024-02-30T10:00:00Z host app: m', { format: 'rfc3164', hostname: 'host', message: 'm' }],
  ])('%s', (_name, raw, expected) => {
    expect(parse(raw)).toMatchObject({ malformed: false, timestamp: null, ...expected });
  });

  it('an unknown month name is not a timestamp', () => {
    expect(parse('<13>Foo 25 10:00:00 host app: m')).toMatchObject({ timestamp: null, hostname: null, message: 'Foo 25 10:00:00 host app: m' });
  });
});

describe('parseSyslog: broken RFC 5424', () => {
  it('without an SD field, the text after the header is the message', () => {
    expect(parse('<13>1 - host app - - hello world')).toMatchObject({ format: 'rfc5424', structuredData: null, message: 'hello world' });
  });

  it('an unterminated SD value is not SD; nothing is lost', () => {
    expect(parse('<13>1 - host app - - [x@1 k="v] msg')).toMatchObject({ format: 'rfc5424', structuredData: null, message: '[x@1 k="v] msg' });
  });

  it('SD glued to the message is not SD', () => {
    expect(parse('<13>1 - host app - - [x@1]msg')).toMatchObject({ structuredData: null, message: '[x@1]msg' });
  });

  it('a cut header falls back to BSD reading and keeps the text', () => {
    expect(parse('<13>1 2003-10-11T22:14:15.003Z host app')).toMatchObject({ format: 'rfc3164', malformed: false, severity: 5, message: '1 2003-10-11T22:14:15.003Z host app' });
  });

  it('an unknown version is not RFC 5424', () => {
    expect(parse('<13>2 - host app - - - m')).toMatchObject({ format: 'rfc3164', message: '2 - host app - - - m' });
  });
});

describe('parseSyslog: garbage is kept, marked malformed', () => {
  it.each<[string, string, string]>([
    ['empty', '', ''],
    ['no PRI', 'hello world', 'hello world'],
    ['PRI above 191', '<999>1 2003-10-11T22:14:15.003Z host app - - - m', '<999>1 2003-10-11T22:14:15.003Z host app - - - m'],
    ['PRI 192', '<192>Nov 25 16:07:29 vm app: x', '<192>Nov 25 16:07:29 vm app: x'],
    ['empty PRI', '<>x', '<>x'],
    ['letters in PRI', '<1a>x', '<1a>x'],
    ['leading zero in PRI', '<013>x', '<013>x'],
    ['four digits in PRI', '<0013>x', '<0013>x'],
    ['unclosed PRI', '<13 x', '<13 x'],
    ['PRI not at the start', ' <13>x', ' <13>x'],
    ['binary', '\u0000\u0001\u0002\u00ff\ufffd\u001b[31m\tend', '\ufffd\ufffd\ufffd\u00ff\ufffd\ufffd[31m\tend'],
    ['inner newlines and C1 controls', 'a\nb\rc\u0085d\u007f', 'a\ufffdb\ufffdc\ufffdd\ufffd'],
  ])('%s', (_name, raw, message) => {
    const m = parse(raw);
    expect(m).toEqual({
      format: 'raw',
      malformed: true,
      facility: null,
      severity: null,
      timestamp: null,
      hostname: null,
      appName: null,
      procId: null,
      msgId: null,
      structuredData: null,
      message,
      truncated: false,
      remoteAddress: '192.0.2.7',
      raw,
    });
  });
});

describe('parseSyslog: trailing terminators and length', () => {
  it('strips trailing CR, LF and NUL from the message, not from raw', () => {
    const raw = '<13>Nov 25 16:07:45 vm app: x\r\n\0\n';
    expect(parse(raw)).toMatchObject({ message: 'x', raw });
    expect(parse('no pri\r\n')).toMatchObject({ malformed: true, message: 'no pri' });
  });

  it('cuts a huge message to 8 KiB by default and says so', () => {
    const m = parse(`<13>Nov 25 16:07:45 vm app: ${'a'.repeat(100_000)}`);
    expect(m.message).toBe('a'.repeat(8192));
    expect(m).toMatchObject({ truncated: true, appName: 'app' });
    expect(m.raw.length).toBeGreaterThan(100_000);
  });

  it('counts UTF-8 bytes and never splits a character', () => {
    expect(parse(`<13>1 - h a - - - ${'€'.repeat(3000)}`).message).toBe('€'.repeat(2730));
    expect(parse(`<13>1 - h a - - - ${'😀'.repeat(3)}`, NOW, { maxMessageBytes: 10 }).message).toBe('😀😀');
    expect(parse(`<13>1 - h a - - - ${'😀'.repeat(3)}`, NOW, { maxMessageBytes: 12 })).toMatchObject({ message: '😀😀😀', truncated: false });
  });

  it('caps malformed text too', () => {
    expect(parse('x'.repeat(20), NOW, { maxMessageBytes: 5 })).toMatchObject({ malformed: true, message: 'xxxxx', truncated: true });
  });
});
