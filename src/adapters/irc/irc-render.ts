import { plainInline, type Inline, type RichText, type Tone } from '../../chat/rich-text.js';
import { IRC, openState, PLAIN_STATE, stateAfter } from './irc-codes.js';
import { guardColors } from './line-split.js';

/** mIRC colour numbers: red critical, yellow warning, green ok. */
const TONE_COLOR: Record<Tone, string> = {
  critical: '04',
  warning: '08',
  ok: '03',
  info: '10',
  muted: '14',
};

/**
 * Renders rich text as IRC lines (not yet cut to the wire limit). User text
 * loses every control character: CR, LF and NUL can never reach the wire
 * from here, and nobody's alert text can recolour the channel. A newline
 * inside text starts a new line.
 */
export function renderIrc(rt: RichText, opts: { formatting: boolean }): string[] {
  const lines: string[] = [];
  const render = (children: Inline[]) => (opts.formatting ? inlines(children, '') : clean(children.map(plainInline).join('')));
  for (const b of rt.blocks) {
    if (b.kind === 'line') lines.push(...breakLines(render(b.children)));
    else for (const item of b.items) lines.push(...breakLines('• ' + render(item)));
  }
  return lines.filter((l) => stripCodes(l).trim() !== '').map(guardColors);
}

/** Splits on the line breaks that `clean` turned into \n; each new line re-opens the formatting in effect. */
function breakLines(s: string): string[] {
  const parts = s.split('\n');
  let state = PLAIN_STATE;
  return parts.map((part, i) => {
    const line = i === 0 ? part : openState(state) + part;
    state = stateAfter(line);
    return line;
  });
}

function inlines(children: Inline[], outer: string): string {
  return children.map((c) => inline(c, outer)).join('');
}

/**
 * Styles close with a reset and re-open the outer ones: a bare \x03 closing a
 * colour would swallow a digit that follows it ("\x03" + "5 hosts").
 */
function inline(i: Inline, outer: string): string {
  if (typeof i === 'string') return clean(i);
  switch (i.kind) {
    case 'bold':
      return IRC.bold + inlines(i.children, outer + IRC.bold) + IRC.reset + outer;
    case 'italic':
      return IRC.italic + inlines(i.children, outer + IRC.italic) + IRC.reset + outer;
    case 'strike':
      return IRC.strike + inlines(i.children, outer + IRC.strike) + IRC.reset + outer;
    case 'mention':
      return clean(i.name);
    case 'code':
      return IRC.monospace + clean(i.text) + IRC.reset + outer;
    case 'tone': {
      const open = IRC.color + TONE_COLOR[i.tone];
      return open + inlines(i.children, outer + open) + IRC.reset + outer;
    }
    case 'link':
      return clean(i.label === undefined ? i.url : `${i.label} (${i.url})`);
  }
}

/** Removes control characters from user text; line breaks become \n for breakLines. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '');
}

// eslint-disable-next-line no-control-regex
const CODES = /\x03(\d{1,2}(,\d{1,2})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

export function stripCodes(s: string): string {
  return s.replace(CODES, '');
}

/**
 * A zero-width space after the first character: the relayed name reads the
 * same but no longer highlights the IRC user who has that nick.
 */
export function noPing(name: string): string {
  const chars = [...name.replace(/[\x00-\x1f\x7f]/g, '')];
  return chars.length > 1 ? chars[0] + '\u200b' + chars.slice(1).join('') : chars.join('');
}
