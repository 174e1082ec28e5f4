import { describe, expect, it } from 'vitest';
import { renderAnsi } from '../../src/chat/render/ansi.js';
import { renderPlain, renderPlainLines } from '../../src/chat/render/plain.js';
import { bold, code, join, line, link, list, plainInline, richText, text, tone, type RichText } from '../../src/chat/rich-text.js';

const ESC = '\x1b';
const RESET = `${ESC}[0m`;
const BOLD = `${ESC}[1m`;

/** Every escape sequence in the output, so a test can say "only these". */
const escapes = (s: string) => s.match(/\x1b[^a-zA-Z]*[a-zA-Z]?/g) ?? [];
const stripSgr = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('rich-text helpers', () => {
  it('text() makes one line block per input line', () => {
    expect(text('a\nb')).toEqual({ blocks: [line('a'), line('b')] });
  });

  it('join skips empty parts and separates the rest', () => {
    expect(join(['a', null, '', undefined, false, bold('b'), 'c'])).toEqual(['a', ' ', bold('b'), ' ', 'c']);
    expect(join(['a', 'b'], ' | ')).toEqual(['a', ' | ', 'b']);
    expect(join([null, false])).toEqual([]);
  });

  it.each<[string, Parameters<typeof plainInline>[0], string]>([
    ['string', 'x', 'x'],
    ['bold', bold('a', bold('b')), 'ab'],
    ['code', code('ls -l'), 'ls -l'],
    ['tone', tone('critical', 'DOWN'), 'DOWN'],
    ['bare link', link('https://x.example/1'), 'https://x.example/1'],
    ['labelled link', link('https://x.example/1', 'OPS-1'), 'OPS-1 (https://x.example/1)'],
  ])('plainInline: %s', (_name, i, expected) => {
    expect(plainInline(i)).toBe(expected);
  });
});

describe('renderPlain', () => {
  it.each<[string, RichText, string[]]>([
    ['plain line', richText(line('hello')), ['hello']],
    ['formatting is dropped', richText(line(bold('web01'), ' is ', tone('ok', 'working'), ', see ', code('!server web01'))), ['web01 is working, see !server web01']],
    ['nested formatting', richText(line(bold('a', tone('warning', 'b', code('c')), 'd'))), ['abcd']],
    ['links', richText(line(link('https://t.example/1'), ' ', link('https://t.example/2', 'T-2'))), ['https://t.example/1 T-2 (https://t.example/2)']],
    ['list items become dash lines', richText(line('hosts:'), list([['web01'], [bold('web02'), ' (standby)']])), ['hosts:', '- web01', '- web02 (standby)']],
    ['empty list', richText(line('none'), list([])), ['none']],
    ['empty line', richText(line()), ['']],
    ['no blocks', richText(), []],
  ])('%s', (_name, rt, expected) => {
    expect(renderPlainLines(rt)).toEqual(expected);
    expect(renderPlain(rt)).toBe(expected.join('\n'));
  });
});

describe('renderAnsi', () => {
  it.each<[string, RichText, string]>([
    ['plain text', richText(line('hello')), 'hello'],
    ['bold', richText(line(bold('web01'))), `${BOLD}web01${RESET}`],
    ['code is reverse video', richText(line(code('!help'))), `${ESC}[7m!help${RESET}`],
    ['critical tone', richText(line(tone('critical', 'DOWN'))), `${ESC}[1;31mDOWN${RESET}`],
    ['warning tone', richText(line(tone('warning', 'slow'))), `${ESC}[33mslow${RESET}`],
    ['info tone', richText(line(tone('info', 'note'))), `${ESC}[36mnote${RESET}`],
    ['ok tone', richText(line(tone('ok', 'up'))), `${ESC}[32mup${RESET}`],
    ['muted tone', richText(line(tone('muted', 'old'))), `${ESC}[2mold${RESET}`],
    ['bare link is underlined', richText(line(link('https://x.example'))), `${ESC}[4mhttps://x.example${RESET}`],
    ['labelled link', richText(line(link('https://x.example', 'X'))), `X (${ESC}[4mhttps://x.example${RESET})`],
    ['list items are bulleted lines', richText(line('hosts:'), list([['web01'], ['web02']])), 'hosts:\n  • web01\n  • web02'],
  ])('%s', (_name, rt, expected) => {
    expect(renderAnsi(rt)).toBe(expected);
  });

  it('re-opens the outer style after a nested reset, so text after it stays bold', () => {
    const out = renderAnsi(richText(line(bold(tone('critical', 'DOWN'), ' web01'))));
    expect(out).toBe(`${BOLD}${ESC}[1;31mDOWN${RESET}${BOLD} web01${RESET}`);
  });

  it('re-opens every enclosing style, outermost first', () => {
    const out = renderAnsi(richText(line(tone('warning', bold(code('x')), 'y'))));
    expect(out).toBe(`${ESC}[33m${BOLD}${ESC}[7mx${RESET}${ESC}[33m${BOLD}${RESET}${ESC}[33my${RESET}`);
  });

  it('a link inside a tone keeps the tone after the link', () => {
    const out = renderAnsi(richText(line(tone('info', link('https://x.example', 'X'), ' after'))));
    expect(out).toBe(`${ESC}[36mX (${ESC}[4mhttps://x.example${RESET}${ESC}[36m) after${RESET}`);
  });

  it('has the same text as the plain renderer once colours are removed', () => {
    const rt = richText(line(bold('web01'), ' ', tone('ok', 'working'), ' ', code('x'), ' ', link('https://x.example', 'L')), list([['a'], [bold('b')]]));
    expect(stripSgr(renderAnsi(rt))).toBe(
      'web01 working x L (https://x.example)\n  • a\n  • b',
    );
  });

  describe('user text cannot move the cursor or recolour the terminal', () => {
    const hostile = 'a\x1b[2Jb\x1b]0;pwned\x07c\x1b[31md\x08e\x00f\x7fg\rh\x0bi\x0cj\x1b[?1049hk';
    const VISIBLE = 'a[2Jb]0;pwnedc[31mdefghij[?1049hk';
    const placements: [string, RichText][] = [
      ['plain string', richText(line(hostile))],
      ['inside bold', richText(line(bold(hostile)))],
      ['inside a tone', richText(line(tone('critical', hostile)))],
      ['code', richText(line(code(hostile)))],
      ['link url', richText(line(link(hostile)))],
      ['link label and url', richText(line(link(hostile, hostile)))],
      ['list item', richText(list([[hostile], [bold(hostile)]]))],
    ];

    it.each(placements)('%s', (_name, rt) => {
      const out = renderAnsi(rt);
      expect(out).not.toContain('\x1b[2J');
      expect(out).not.toContain('\x1b]0;');
      expect(out).not.toContain('\x1b[31m');
      expect(out).not.toContain('\x1b[?1049h');
      for (const c of ['\x07', '\x08', '\x00', '\x7f', '\r', '\x0b', '\x0c']) expect(out).not.toContain(c);
      // The only escapes left are the renderer's own colour codes.
      for (const e of escapes(out)) expect([RESET, BOLD, '\x1b[7m', '\x1b[4m', '\x1b[1;31m']).toContain(e);
      // The printable characters are kept.
      expect(stripSgr(out)).toContain(VISIBLE);
    });

    it('the visible text of a hostile string is exactly the string minus control characters', () => {
      expect(renderAnsi(richText(line(hostile)))).toBe(VISIBLE);
    });

    it('tabs are kept', () => {
      expect(renderAnsi(richText(line('a\tb')))).toBe('a\tb');
    });
  });
});

describe('renderAnsi and 8-bit controls', () => {
  it('strips C1 controls such as U+009B (8-bit CSI) from user text', () => {
    expect(renderAnsi(text('a\u009b2Jb'))).toBe('a2Jb');
  });
});
