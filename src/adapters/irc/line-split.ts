import { applyCode, COLOR_CODE, openState, PLAIN_STATE, type FormatState } from './irc-codes.js';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const CODE_START = /[\x02\x03\x0f\x11\x16\x1d\x1e\x1f]/;

type Atom = { code: string } | { text: string; bytes: number; space: boolean };

/** Formatting codes and grapheme clusters: the pieces a line may be cut between, never inside. */
function atoms(line: string): Atom[] {
  const out: Atom[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (CODE_START.test(c)) {
      const code = c === '\x03' ? COLOR_CODE.exec(line.slice(i, i + 6))![0] : c;
      out.push({ code });
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

/**
 * Cuts one formatted line into pieces of at most `maxBytes` UTF-8 bytes.
 * Cuts fall on a space when there is one in the piece, never inside a
 * character or a formatting code, and each continuation re-opens the
 * formatting that was in effect where the cut fell.
 */
export function splitLine(line: string, maxBytes: number): string[] {
  if (Buffer.byteLength(line) <= maxBytes) return [line];
  const pieces: string[] = [];
  let state: FormatState = PLAIN_STATE;
  let cur: Atom[] = [];
  let curBytes = 0;
  let lastSpace = -1;
  let stateAtSpace: FormatState = state;
  let startState: FormatState = state;

  const emit = (upTo: number) => {
    const text = cur.slice(0, upTo).map((a) => ('code' in a ? a.code : a.text)).join('');
    pieces.push(openState(startState) + text);
  };
  const restart = (rest: Atom[], from: FormatState) => {
    startState = from;
    state = from;
    cur = [];
    curBytes = Buffer.byteLength(openState(from));
    lastSpace = -1;
    for (const a of rest) push(a);
  };
  const push = (a: Atom) => {
    cur.push(a);
    if ('code' in a) {
      curBytes += a.code.length;
      state = applyCode(state, a.code);
      return;
    }
    curBytes += a.bytes;
    if (a.space) {
      lastSpace = cur.length - 1;
      stateAtSpace = state;
    }
  };

  for (const a of atoms(line)) {
    const size = 'code' in a ? a.code.length : a.bytes;
    if (curBytes + size > maxBytes && cur.length > 0) {
      if (lastSpace > 0) {
        // Cut at the last space: it is dropped, the words after it move on.
        const rest = cur.slice(lastSpace + 1);
        emit(lastSpace);
        restart(rest, stateAtSpace);
      } else {
        emit(cur.length);
        restart([], state);
      }
    }
    push(a);
  }
  if (cur.some((a) => !('code' in a))) emit(cur.length);
  return pieces;
}
