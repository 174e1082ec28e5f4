import type { Inline, RichText, Tone } from '../rich-text.js';

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const TONE: Record<Tone, string> = {
  critical: '\x1b[1;31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  ok: '\x1b[32m',
  muted: '\x1b[2m',
};

/**
 * ANSI colours for the console adapter. Styles are re-opened after each
 * nested reset so `bold(tone(...), 'x')` keeps `x` bold.
 */
export function renderAnsi(rt: RichText): string {
  const lines: string[] = [];
  for (const b of rt.blocks) {
    if (b.kind === 'line') lines.push(inlines(b.children, ''));
    else for (const item of b.items) lines.push(`  • ${inlines(item, '')}`);
  }
  return lines.join('\n');
}

function inlines(children: Inline[], outer: string): string {
  return children.map((c) => inline(c, outer)).join('');
}

function inline(i: Inline, outer: string): string {
  if (typeof i === 'string') return stripControls(i);
  switch (i.kind) {
    case 'bold':
      return BOLD + inlines(i.children, outer + BOLD) + RESET + outer;
    case 'italic':
      return '\x1b[3m' + inlines(i.children, outer + '\x1b[3m') + RESET + outer;
    case 'strike':
      return '\x1b[9m' + inlines(i.children, outer + '\x1b[9m') + RESET + outer;
    case 'mention':
      return stripControls(i.name);
    case 'code':
      return `\x1b[7m${stripControls(i.text)}${RESET}${outer}`;
    case 'tone':
      return TONE[i.tone] + inlines(i.children, outer + TONE[i.tone]) + RESET + outer;
    case 'link':
      return i.label === undefined ? `\x1b[4m${stripControls(i.url)}${RESET}${outer}` : `${stripControls(i.label)} (\x1b[4m${stripControls(i.url)}${RESET}${outer})`;
  }
}

/** User data (host notes, alert text) must not move the cursor or recolour the terminal. */
function stripControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  // C0 controls (ESC among them), DEL, and the C1 set: U+009B is an 8-bit CSI.
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}
