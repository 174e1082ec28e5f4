import { applyCode, COLOR_CODE, openState, PLAIN_STATE, type FormatState } from './irc-codes.js';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const CODE_START = /[\x02\x03\x0f\x11\x16\x1d\x1e\x1f]/;

type Atom = { code: string; bytes: number } | { text: string; bytes: number; space: boolean };

/** Formatting codes and grapheme clusters: the pieces a line may be cut between, never inside. */
function atoms(line: string): Atom[] {
  const out: Atom[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (CODE_START.test(c)) {
      const code = c === '\x03' ? COLOR_CODE.exec(line.slice(i, i + 6))![0] : c;
      out.push({ code, bytes: code.length });
      i += code.length;
      continue;
    }
    let j = i;
    while (j < line.length && !CODE_START.test(line[j]!)) j++;
    for (const { segment } of graphemes.segment(line.slice(i, j))) {
      out.push({ text: segment, bytes: Buffer.byteLength(segment), space: segment === ' ' });
    }
    i = j;
  }
  return out;
}

const isText = (a: Atom): a is Extract<Atom, { text: string }> => 'text' in a;

/**
 * Cuts one formatted line into pieces of at most `maxBytes` UTF-8 bytes.
 * Cuts fall on a space when the piece has one (the space is dropped), never
 * inside a character or a formatting code; each continuation re-opens the
 * formatting in effect where the cut fell; a grapheme wider than the
 * budget is cut between its code points.
 */
export function splitLine(line: string, maxBytes: number): string[] {
  if (Buffer.byteLength(line) <= maxBytes) return [line];
  const pending = atoms(line);
  const pieces: string[] = [];

  let state: FormatState = PLAIN_STATE;
  let prefix = '';
  let cur: Atom[] = [];
  let bytes = 0;
  /** Index in `cur` of the last space, and the formatting in effect there. */
  let space = -1;
  let stateAtSpace: FormatState = state;

  const emit = (upTo: number) => {
    const body = cur.slice(0, upTo).map((a) => ('code' in a ? a.code : a.text)).join('');
    if (!cur.slice(0, upTo).some(isText)) return;
    // A re-opened foreground colour followed by ",5" would read as a background colour.
    const guard = /\x03\d{1,2}$/.test(prefix) && /^,\d/.test(body) ? '\x02\x02' : '';
    pieces.push(prefix + guard + body);
  };
  const restart = (from: FormatState) => {
    state = from;
    prefix = openState(from);
    cur = [];
    // Room for the guard emit() may need after a foreground-only colour.
    bytes = prefix.length + (/\x03\d{1,2}$/.test(prefix) ? 2 : 0);
    space = -1;
  };

  while (pending.length > 0) {
    const a = pending.shift()!;
    // A grapheme wider than a whole line (a letter under hundreds of
    // combining marks) is cut between code points: the server would refuse
    // the line, and the bot would be disconnected over and over.
    if (isText(a) && a.bytes > maxBytes && [...a.text].length > 1) {
      pending.unshift(...[...a.text].map((cp) => ({ text: cp, bytes: Buffer.byteLength(cp), space: false })));
      continue;
    }
    // A continuation never starts with the space it was cut at.
    if (isText(a) && a.space && !cur.some(isText) && pieces.length > 0) continue;
    if (bytes + a.bytes > maxBytes && cur.length > 0 && !cur.some(isText)) {
      // Only codes so far: their effect is in `state`, and a fresh prefix says it in fewer bytes.
      restart(state);
    }
    if (bytes + a.bytes > maxBytes && cur.some(isText)) {
      if (isText(a) && a.space) {
        // The overflowing character is a space: cut right here and drop it.
        emit(cur.length);
        restart(state);
      } else if (space > 0) {
        // Cut at the last space; the words after it go round again.
        const moved = cur.slice(space + 1);
        emit(space);
        restart(stateAtSpace);
        pending.unshift(...moved, a);
      } else {
        emit(cur.length);
        restart(state);
        pending.unshift(a);
      }
      continue;
    }
    cur.push(a);
    bytes += a.bytes;
    if ('code' in a) state = applyCode(state, a.code);
    else if (a.space) {
      space = cur.length - 1;
      stateAtSpace = state;
    }
  }
  emit(cur.length);
  return pieces;
}

/**
 * For text rendered by us, where every colour code is foreground-only and
 * user text holds no codes: a `,5` right after a colour code would read as a
 * background colour and eat the text, so an empty bold pair keeps them apart.
 */
export function guardColors(s: string): string {
  return s.replace(/(\x03\d{1,2})(?=,\d)/g, '$1\x02\x02');
}
