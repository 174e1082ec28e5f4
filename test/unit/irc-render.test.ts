import { describe, expect, it } from 'vitest';
import { renderIrc, stripCodes } from '../../src/adapters/irc/irc-render.js';
import { bold, code, line, link, list, richText, text, tone, type Inline, type RichText } from '../../src/chat/rich-text.js';

const B = '\x02';
const C = '\x03';
const O = '\x0f'; // reset
const M = '\x11'; // monospace

const on = (rt: RichText) => renderIrc(rt, { formatting: true });
const off = (rt: RichText) => renderIrc(rt, { formatting: false });

// ---------------------------------------------------------------------------
// Test-side parser with the client rule: \x03 takes up to two digits, then
// optionally "," and up to two digits. Returns each visible character with
// the style it is shown in.
// ---------------------------------------------------------------------------
interface Style {
  bold: boolean;
  mono: boolean;
  fg: number | null;
  bg: number | null;
}
const PLAIN: Style = { bold: false, mono: false, fg: null, bg: null };

function parse(s: string): { ch: string; st: Style }[] {
  const out: { ch: string; st: Style }[] = [];
  let st = PLAIN;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === C) {
      const m = /^\x03(?:(\d{1,2})(?:,(\d{1,2}))?)?/.exec(s.slice(i))!;
      st = m[1] === undefined ? { ...st, fg: null, bg: null } : { ...st, fg: Number(m[1]), bg: m[2] !== undefined ? Number(m[2]) : st.bg };
      i += m[0].length;
    } else if (c === O) {
      st = PLAIN;
      i++;
    } else if (c === B) {
      st = { ...st, bold: !st.bold };
      i++;
    } else if (c === M) {
      st = { ...st, mono: !st.mono };
      i++;
    } else if (/[\x16\x1d\x1e\x1f]/.test(c)) {
      i++;
    } else {
      out.push({ ch: c, st });
      i++;
    }
  }
  return out;
}
const shown = (s: string) => parse(s).map((x) => x.ch).join('');
/** Style of the first visible occurrence of `ch`. */
const styleOf = (s: string, ch: string) => parse(s).find((x) => x.ch === ch)?.st;

// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\x00-\x1f\x7f]/;

describe('renderIrc with formatting', () => {
  it.each<[string, RichText, string[]]>([
    ['plain line', richText(line('hello')), ['hello']],
    ['bold', richText(line(bold('web01'))), [`${B}web01${O}`]],
    ['critical is red 04', richText(line(tone('critical', 'DOWN'))), [`${C}04DOWN${O}`]],
    ['warning is yellow 08', richText(line(tone('warning', 'WARN'))), [`${C}08WARN${O}`]],
    ['ok is green 03', richText(line(tone('ok', 'UP'))), [`${C}03UP${O}`]],
    ['code is monospace', richText(line(code('ls -l'))), [`${M}ls -l${O}`]],
    ['mixed spans', richText(line(bold('web01'), ' is ', tone('ok', 'up'))), [`${B}web01${O} is ${C}03up${O}`]],
    ['bold around a tone re-opens bold', richText(line(bold('a', tone('critical', 'b'), 'c'))), [`${B}a${C}04b${O}${B}c${O}`]],
    ['tone around bold re-opens the colour', richText(line(tone('critical', 'x', bold('y'), 'z'))), [`${C}04x${B}y${O}${C}04z${O}`]],
    ['tone around tone re-opens the outer colour', richText(line(tone('warning', 'a', tone('critical', 'b'), 'c'))), [`${C}08a${C}04b${O}${C}08c${O}`]],
    ['code inside bold re-opens bold', richText(line(bold('a', code('b'), 'c'))), [`${B}a${M}b${O}${B}c${O}`]],
    ['labelled link', richText(line(link('https://x.example/1', 'OPS-1'))), ['OPS-1 (https://x.example/1)']],
    ['bare link', richText(line(link('https://x.example/1'))), ['https://x.example/1']],
    ['several blocks, one line each', richText(line('a'), line(bold('b'))), ['a', `${B}b${O}`]],
  ])('%s', (_name, rt, expected) => {
    expect(on(rt)).toEqual(expected);
  });

  it.each<[string, Inline, Record<string, Partial<Style>>]>([
    ['bold > tone', bold('a', tone('critical', 'b'), 'c'), { a: { bold: true, fg: null }, b: { bold: true, fg: 4 }, c: { bold: true, fg: null } }],
    ['tone > bold', tone('ok', 'a', bold('b'), 'c'), { a: { bold: false, fg: 3 }, b: { bold: true, fg: 3 }, c: { bold: false, fg: 3 } }],
    ['tone > tone', tone('warning', 'a', tone('critical', 'b'), 'c'), { a: { fg: 8 }, b: { fg: 4 }, c: { fg: 8 } }],
    ['bold > tone > code', bold('a', tone('critical', 'b', code('c'), 'd'), 'e'), {
      a: { bold: true, fg: null, mono: false },
      b: { bold: true, fg: 4, mono: false },
      c: { mono: true },
      d: { bold: true, fg: 4, mono: false },
      e: { bold: true, fg: null, mono: false },
    }],
  ])('nested styles as a client shows them: %s', (_name, inline, expected) => {
    const [out] = on(richText(line(inline, 'z')));
    for (const [ch, st] of Object.entries(expected)) expect(styleOf(out!, ch), ch).toMatchObject(st);
    // Nothing leaks past the outermost span.
    expect(styleOf(out!, 'z')).toEqual(PLAIN);
  });

  it.each<[string, Inline[], string]>([
    ['digit after a red span', [tone('critical', 'x'), '5 hosts'], 'x5 hosts'],
    ['two digits after a red span', [tone('critical', 'x'), '42 hosts'], 'x42 hosts'],
    ['digits inside a span', [tone('critical', '5 down')], '5 down'],
    ['digit after a nested span re-opening its outer colour', [tone('warning', tone('critical', '1'), '2 down')], '12 down'],
    ['digit after bold inside a tone', [tone('ok', bold('up'), '3 of 4')], 'up3 of 4'],
    ['comma and digit after a span', [tone('critical', 'x'), ',5 more'], 'x,5 more'],
    ['digit after code', [code('uptime'), '99'], 'uptime99'],
  ])('a digit after a coloured span is not swallowed: %s', (_name, inlines, visible) => {
    const [out] = on(richText(line(...inlines)));
    expect(stripCodes(out!)).toBe(visible);
    expect(shown(out!)).toBe(visible);
  });

  it('the digit after a red span is not red', () => {
    const [out] = on(richText(line(tone('critical', 'x'), '5 hosts')));
    expect(styleOf(out!, 'x')?.fg).toBe(4);
    expect(styleOf(out!, '5')).toEqual(PLAIN);
  });

  it('list items get a bullet', () => {
    expect(on(richText(list([['a'], [bold('b')], ['c ', tone('ok', 'd')]])))).toEqual(['• a', `• ${B}b${O}`, `• c ${C}03d${O}`]);
  });

  it('user text cannot recolour the channel', () => {
    const [out] = on(richText(line(tone('ok', `x${C}04red${B}bold${O}`), ' after')));
    expect(shown(out!)).toBe('x04redbold after');
    for (const x of parse(out!).slice(0, 'x04redbold'.length)) expect(x.st).toEqual({ ...PLAIN, fg: 3 });
    expect(styleOf(out!, 'f')).toEqual(PLAIN);
  });
});

describe('renderIrc without formatting', () => {
  it.each<[string, RichText, string[]]>([
    ['styles dropped', richText(line(bold('web01'), ' is ', tone('critical', 'down'), ', see ', code('!server web01'))), ['web01 is down, see !server web01']],
    ['links as label (url)', richText(line(link('https://x.example/1', 'OPS-1'))), ['OPS-1 (https://x.example/1)']],
    ['list bullets kept', richText(list([[bold('a')], ['b']])), ['• a', '• b']],
    ['nested', richText(line(bold('a', tone('critical', 'b', code('c'))), '5')), ['abc5']],
  ])('%s', (_name, rt, expected) => {
    const out = off(rt);
    expect(out).toEqual(expected);
    for (const l of out) expect(l).not.toMatch(ANY_CONTROL);
  });
});

describe('renderIrc: line breaks and control characters in user text', () => {
  const both = [
    ['formatting', on],
    ['plain', off],
  ] as const;

  it.each(both)('CR, LF and CRLF each start a new line (%s)', (_mode, render) => {
    const out = render(richText(line('a\rb\nc\r\nd')));
    expect(out.map(stripCodes)).toEqual(['a', 'b', 'c', 'd']);
  });

  it.each(both)('a line break inside styled text splits it too (%s)', (_mode, render) => {
    const out = render(richText(line(bold('a\nb'), tone('critical', 'c\r\nd'), code('e\rf'))));
    expect(out.map(stripCodes)).toEqual(['a', 'bc', 'de', 'f']);
  });

  it.each(both)('an injected IRC command stays text on its own line (%s)', (_mode, render) => {
    const out = render(richText(line('hi\r\nQUIT :bye')));
    expect(out).toEqual(['hi', 'QUIT :bye']);
  });

  it.each(both)('empty and blank lines are dropped (%s)', (_mode, render) => {
    expect(render(richText(line('a\n\n\r\nb'), line(''), line('   '), line(bold('')), line(tone('ok', ' ')), line('c')))).toEqual(['a', 'b', 'c']);
    expect(render(richText())).toEqual([]);
    expect(render(text('\n\n'))).toEqual([]);
  });

  const controls = [...Array.from({ length: 0x20 }, (_, c) => c).filter((c) => c !== 0x0a && c !== 0x0d && c !== 0x09), 0x7f];
  const spots: [string, (s: string) => Inline][] = [
    ['plain text', (s) => s],
    ['bold', (s) => bold(s)],
    ['tone', (s) => tone('warning', s)],
    ['code', (s) => code(s)],
    ['link label', (s) => link('https://x.example/', s)],
    ['link url', (s) => link(s)],
  ];
  it.each(both.flatMap(([mode, render]) => controls.flatMap((c) => spots.map(([where, wrap]) => [mode, c.toString(16).padStart(2, '0'), where, render, wrap] as const))))(
    '%s: control 0x%s in %s is removed',
    (_mode, hex, _where, render, wrap) => {
      const ch = String.fromCharCode(parseInt(hex, 16));
      const out = render(richText(line(wrap(`a${ch}b${ch}`))));
      expect(out).toHaveLength(1);
      expect(stripCodes(out[0]!)).toMatch(/^a ?b( \(https:\/\/x\.example\/\))?$/);
      expect(shown(out[0]!)).not.toContain(ch);
      // What the renderer itself adds are formatting codes only, never the user's control.
      const userPart = out[0]!.replace(/\x03\d\d|[\x02\x0f\x11]/g, '');
      expect(userPart).not.toMatch(ANY_CONTROL);
    },
  );

  it.each(both)('a tab becomes a space (%s)', (_mode, render) => {
    expect(render(richText(line('a\tb'))).map(stripCodes)).toEqual(['a b']);
  });

  it.each(both)('generated user text never puts CR, LF, NUL or DEL on a line (%s)', (_mode, render) => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = ['a', 'b', ' ', '5', ',', 'é', '漢', '😀', ...Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)), '\x7f', '\r\n'];
    const str = () => Array.from({ length: Math.floor(rand() * 20) }, () => alphabet[Math.floor(rand() * alphabet.length)]!).join('');
    for (let k = 0; k < 500; k++) {
      const rt = richText(
        line(str(), bold(str(), tone('critical', str())), code(str()), link('https://x/' + str(), str())),
        list([[str()], [tone('ok', str())]]),
      );
      const out = render(rt);
      for (const l of out) {
        expect(l).not.toMatch(/[\r\n\0\x7f]/);
        expect(stripCodes(l).trim()).not.toBe('');
        if (render === off) expect(l).not.toMatch(ANY_CONTROL);
      }
    }
  });
});

describe('stripCodes', () => {
  it.each<[string, string]>([
    [`${B}a${O}`, 'a'],
    [`${C}04,01x`, 'x'],
    [`${C}4x`, 'x'],
    [`${C}`, ''],
    [`${C}045`, '5'],
    [`${C}12,345`, '5'],
    [`${C},5`, ',5'],
    ['\x11\x16\x1d\x1e\x1f', ''],
    ['a,b 12', 'a,b 12'],
  ])('%j → %j', (input, expected) => {
    expect(stripCodes(input)).toBe(expected);
  });
});
