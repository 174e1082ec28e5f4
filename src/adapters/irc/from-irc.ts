import { applyCode, COLOR_CODE, PLAIN_STATE, type FormatState } from './irc-codes.js';
import { bold, code, italic, mention, strike, type Inline } from '../../chat/rich-text.js';

const CODE_AT = /[\x02\x03\x0f\x11\x16\x1d\x1e\x1f]/;

/**
 * An IRC line's formatting as neutral inlines: bold, italic, strikethrough
 * and monospace carry over to the other side; colours, reverse and
 * underline have no equivalent and are dropped.
 */
export function inlinesFromIrc(text: string): Inline[] {
  const out: Inline[] = [];
  let state: FormatState = PLAIN_STATE;
  let run = '';
  const flush = () => {
    if (run === '') return;
    let node: Inline = state.monospace ? code(run) : run;
    if (state.strike) node = strike(node);
    if (state.italic) node = italic(node);
    if (state.bold) node = bold(node);
    out.push(node);
    run = '';
  };
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (!CODE_AT.test(c)) {
      run += c;
      i++;
      continue;
    }
    const codeText = c === '\x03' ? COLOR_CODE.exec(text.slice(i, i + 6))![0] : c;
    flush();
    state = applyCode(state, codeText);
    i += codeText.length;
  }
  flush();
  return out;
}

/** `alice: text` addresses alice: a bridge can turn that into a real mention on the other side. */
export function leadingMention(inlines: Inline[]): Inline[] {
  const [first, ...rest] = inlines;
  if (typeof first !== 'string') return inlines;
  const m = /^([A-Za-z[\]\\`_^{|}][\w[\]\\`^{|}-]*)[:,]\s+/.exec(first);
  if (!m) return inlines;
  return [mention(m[1]!), ': ', first.slice(m[0].length), ...rest];
}
