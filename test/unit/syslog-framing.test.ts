import { describe, expect, it } from 'vitest';
import { SyslogFrameDecoder } from '../../src/ingest/syslog/framing.js';

const TQ = '[timeQuality tzKnown="1" isSynced="0"]';
const counted = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

/** Everything the decoder emits for `chunks`, flush included. */
function decode(chunks: (string | Buffer)[], maxFrameBytes?: number): string[] {
  const d = new SyslogFrameDecoder({ maxFrameBytes });
  const out = chunks.flatMap((c) => d.push(typeof c === 'string' ? Buffer.from(c) : c));
  return [...out, ...d.flush()];
}

describe('SyslogFrameDecoder: what logger sends over TCP (captured)', () => {
  it('--octet-count, one message', () => {
    const msg = `<13>1 2026-11-25T16:07:29.995662+00:00 vm app - - ${TQ} tcp oc`;
    expect(counted(msg).startsWith('95 ')).toBe(true);
    expect(decode([counted(msg)])).toEqual([msg]);
  });

  it('--octet-count, lines from stdin back to back in one segment, an empty one among them', () => {
    const msgs = ['l2', '', 'l3'].map((m) => `<13>1 2026-11-25T16:07:30.008184+00:00 vm app - - ${TQ} ${m}`);
    expect(decode([msgs.map(counted).join('')])).toEqual(msgs);
  });

  it('--octet-count --rfc3164', () => {
    expect(decode(['34 <13>Nov 25 16:07:38 vm app: oc3164'])).toEqual(['<13>Nov 25 16:07:38 vm app: oc3164']);
  });

  it('without --octet-count: LF after each message', () => {
    const a = `<13>1 2026-11-25T16:07:30.012718+00:00 vm app - - ${TQ} l1`;
    const b = `<13>1 2026-11-25T16:07:30.012800+00:00 vm app - - ${TQ} l2`;
    expect(decode([`${a}\n${b}\n`])).toEqual([a, b]);
  });
});

describe('SyslogFrameDecoder: non-transparent framing', () => {
  it('LF, CRLF and NUL all end a frame', () => {
    expect(decode(['<13>a\n<13>b\r\n<13>c\0<13>d\n'])).toEqual(['<13>a', '<13>b', '<13>c', '<13>d']);
  });

  it('empty lines and stray terminators make no frames', () => {
    expect(decode(['\n\n<13>a\n\r\n\0\0<13>b\n\n'])).toEqual(['<13>a', '<13>b']);
  });

  it('a last line without LF comes out on flush', () => {
    const d = new SyslogFrameDecoder();
    expect(d.push(Buffer.from('<13>a\n<13>b'))).toEqual(['<13>a']);
    expect(d.flush()).toEqual(['<13>b']);
    expect(d.flush()).toEqual([]);
  });

  it('digits not followed by a space are a line, not a count', () => {
    expect(decode(['2024-03-10T10:00:00Z host app: m\n', '123\n', '42'])).toEqual(['2024-03-10T10:00:00Z host app: m', '123', '42']);
  });

  it('a count with a leading zero, or zero, is not a count', () => {
    expect(decode(['012 abc\n0 x\n'])).toEqual(['012 abc', '0 x']);
  });

  it('a line longer than the maximum is cut and every piece kept', () => {
    expect(decode(['abcdefghijklmnopqrstuvwxyz\n<13>next\n'], 10)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz', '<13>next']);
  });

  it('the rest of a cut line is not taken for an octet count', () => {
    expect(decode(['aaaaaaaaaa12 bbbb\n'], 10)).toEqual(['aaaaaaaaaa', '12 bbbb']);
  });

  it('a cut never splits a UTF-8 character', () => {
    expect(decode(['aaaaaaaaa€b\n'], 10)).toEqual(['aaaaaaaaa', '€b']);
  });

  it('an endless line costs at most one frame of memory and comes out in pieces', () => {
    const d = new SyslogFrameDecoder();
    const out: string[] = [];
    for (let i = 0; i < 64; i++) out.push(...d.push(Buffer.alloc(16 * 1024, 'x')));
    expect(out).toHaveLength(16);
    expect(out.every((f) => f.length === 64 * 1024)).toBe(true);
    expect(d.flush()).toEqual([]);
  });
});

describe('SyslogFrameDecoder: octet counting', () => {
  it('keeps newlines inside a counted frame (multi-line messages)', () => {
    const msg = '<11>1 - h java - - - Exception in thread "main"\n\tat Foo.bar(Foo.java:1)\n';
    expect(decode([counted(msg)])).toEqual([msg]);
  });

  it('counts bytes, not characters', () => {
    const msg = '<13>1 - h a - - - héllo ✓ 日本 😀';
    expect(decode([counted(msg) + counted(msg)])).toEqual([msg, msg]);
  });

  it('a frame split anywhere, even inside the count or a character, decodes the same', () => {
    const msgs = ['<13>1 - h a - - - héllo ✓ 日本', '<14>Nov 25 16:07:38 vm app: plain', '<15>x'];
    const stream = Buffer.from(counted(msgs[0]!) + `${msgs[1]}\n` + counted(msgs[2]!));
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decode([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(msgs);
    }
  });

  it('a byte at a time', () => {
    const msgs = Array.from({ length: 20 }, (_, i) => `<13>1 - h a - - - message ${i} ✓`);
    const stream = Buffer.from(msgs.map((m, i) => (i % 2 ? counted(m) : `${m}\r\n`)).join(''));
    const chunks = Array.from(stream, (b) => Buffer.from([b]));
    expect(decode(chunks)).toEqual(msgs);
  });

  it('a maximum-size frame a byte at a time stays fast (no re-copying per chunk)', () => {
    const msg = `<13>${'z'.repeat(64 * 1024 - 4)}`;
    const stream = Buffer.from(counted(msg));
    const d = new SyslogFrameDecoder();
    const out: string[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out).toEqual([msg]);
  });

  it('mixed framing in one stream, with LFs some senders add after counted frames', () => {
    expect(decode([`${counted('<13>a')}<13>b\n${counted('<13>c')}\n${counted('<13>d')}\r\n<13>e\0`])).toEqual(['<13>a', '<13>b', '<13>c', '<13>d', '<13>e']);
  });

  it('a count up to the maximum is honoured', () => {
    const msg = `<13>${'y'.repeat(96)}`;
    expect(decode([counted(msg)], 100)).toEqual([msg]);
  });

  it('a silly count is kept as text and the stream resynchronises at the next LF', () => {
    expect(decode(['101 <13>too long for the limit\n', counted('<13>ok')], 100)).toEqual(['101 <13>too long for the limit', '<13>ok']);
    expect(decode(['99999999999999 junk\n<13>after\n'])).toEqual(['99999999999999 junk', '<13>after']);
  });

  it('a counted frame cut by the end of the stream comes back with its count, so it parses as malformed', () => {
    const d = new SyslogFrameDecoder();
    expect(d.push(Buffer.from('20 <13>partial'))).toEqual([]);
    expect(d.flush()).toEqual(['20 <13>partial']);
  });

  it('a lone count at the end of the stream is kept', () => {
    expect(decode(['<13>a\n', '57'])).toEqual(['<13>a', '57']);
  });

  it('the decoder is reusable after a flush', () => {
    const d = new SyslogFrameDecoder();
    d.push(Buffer.from('9 <13>'));
    d.flush();
    expect(d.push(Buffer.from(counted('<13>again')))).toEqual(['<13>again']);
  });
});
