/** mIRC formatting control codes, as IRC clients understand them. */
export const IRC = {
  bold: '\x02',
  color: '\x03',
  reset: '\x0f',
  monospace: '\x11',
  reverse: '\x16',
  italic: '\x1d',
  strike: '\x1e',
  underline: '\x1f',
} as const;

/** Formatting in effect at a point in a line: what a continuation line must re-open. */
export interface FormatState {
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
  monospace: boolean;
  reverse: boolean;
  fg: string | null;
  bg: string | null;
}

export const PLAIN_STATE: FormatState = { bold: false, italic: false, underline: false, strike: false, monospace: false, reverse: false, fg: null, bg: null };

const TOGGLES: [string, keyof FormatState][] = [
  [IRC.bold, 'bold'],
  [IRC.italic, 'italic'],
  [IRC.underline, 'underline'],
  [IRC.strike, 'strike'],
  [IRC.monospace, 'monospace'],
  [IRC.reverse, 'reverse'],
];

/** A colour code is \x03 followed by up to two digits, optionally `,` and up to two more. */
export const COLOR_CODE = /^\x03(?:(\d{1,2})(?:,(\d{1,2}))?)?/;

/** Applies one formatting code (as matched at the start of `code`) to a state. */
export function applyCode(state: FormatState, code: string): FormatState {
  if (code === IRC.reset) return { ...PLAIN_STATE };
  if (code.startsWith(IRC.color)) {
    const m = COLOR_CODE.exec(code)!;
    if (m[1] === undefined) return { ...state, fg: null, bg: null };
    return { ...state, fg: m[1], bg: m[2] ?? state.bg };
  }
  const toggle = TOGGLES.find(([c]) => c === code);
  if (!toggle) return state;
  const key = toggle[1];
  return { ...state, [key]: !state[key] };
}

/** The codes that turn plain text into the given state. */
export function openState(state: FormatState): string {
  let out = '';
  for (const [c, key] of TOGGLES) if (state[key]) out += c;
  if (state.fg !== null) out += IRC.color + state.fg.padStart(2, '0') + (state.bg !== null ? ',' + state.bg.padStart(2, '0') : '');
  return out;
}

// eslint-disable-next-line no-control-regex
const ANY_CODE = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

/** The formatting in effect at the end of a line. */
export function stateAfter(line: string, from: FormatState = PLAIN_STATE): FormatState {
  let state = from;
  for (const m of line.matchAll(ANY_CODE)) state = applyCode(state, m[0]);
  return state;
}
