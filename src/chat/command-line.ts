import { UserError } from '../errors.js';

/** A word of a command line, after quotes are removed. */
export interface Token {
  value: string;
  /** True when any part of the word was quoted: `"a=b"` is text, not an option. */
  quoted: boolean;
  /** True when the part before the first `=` was not quoted, so `at="x y"` is still an option. */
  bareKey: boolean;
}

/**
 * Shell-like word splitting: whitespace separates words, '...' is literal,
 * "..." allows \" and \\, a backslash outside quotes escapes the next
 * character. Pure; throws UserError on an unterminated quote.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  let quotedBeforeEq = false;
  let sawEq = false;
  const push = () => {
    if (inWord) tokens.push({ value: cur, quoted, bareKey: !quotedBeforeEq && sawEq });
    cur = '';
    inWord = false;
    quoted = false;
    quotedBeforeEq = false;
    sawEq = false;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      push();
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') {
      const end = findClosingQuote(input, i + 1, c);
      if (end < 0) throw new UserError(`unterminated ${c === '"' ? 'double' : 'single'} quote — close it or escape it with \\${c}`);
      const body = input.slice(i + 1, end);
      cur += c === '"' ? body.replace(/\\(["\\])/g, '$1') : body;
      quoted = true;
      if (!sawEq) quotedBeforeEq = true;
      i = end;
      continue;
    }
    if (c === '\\' && i + 1 < input.length) {
      cur += input[++i];
      quoted = true;
      if (!sawEq) quotedBeforeEq = true;
      continue;
    }
    if (c === '=' && !sawEq) sawEq = true;
    cur += c;
  }
  push();
  return tokens;
}

function findClosingQuote(s: string, from: number, q: string): number {
  for (let i = from; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}

export interface ParsedArgs {
  /** Positional words in order. */
  positional: string[];
  /** `key=value` and `--key=value`; keys lowercased. */
  options: Record<string, string>;
  /** `--flag` words, lowercased, without the dashes. */
  flags: Set<string>;
  /** The words as typed, for a command that reads repeated options or `--` itself. */
  tokens: readonly Token[];
}

const OPTION_KEY = /^[A-Za-z][\w.-]*$/;

/**
 * Sorts words into positional arguments, options and flags. `--` ends option
 * parsing, so `-- a=b` passes `a=b` as text. With `onlyOptions`, a `key=value`
 * word whose key is not listed stays text in its place (free-text commands).
 */
export function splitArgs(tokens: readonly Token[], onlyOptions?: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  // No prototype: a user typing `__proto__=x` must not reach Object.prototype.
  const options: Record<string, string> = Object.create(null) as Record<string, string>;
  const flags = new Set<string>();
  let optionsEnded = false;
  for (const t of tokens) {
    if (optionsEnded || (t.quoted && !t.bareKey && !t.value.startsWith('--'))) {
      positional.push(t.value);
      continue;
    }
    if (t.value === '--' && !t.quoted) {
      optionsEnded = true;
      continue;
    }
    const dashed = t.value.startsWith('--') && t.value.length > 2 && (!t.quoted || t.bareKey);
    const body = dashed ? t.value.slice(2) : t.value;
    const eq = body.indexOf('=');
    const key = body.slice(0, eq).toLowerCase();
    const wanted = onlyOptions === undefined || onlyOptions.includes(key);
    if (eq > 0 && wanted && (dashed || t.bareKey || !t.quoted) && OPTION_KEY.test(body.slice(0, eq))) {
      options[key] = body.slice(eq + 1);
    } else if (dashed && OPTION_KEY.test(body)) {
      flags.add(body.toLowerCase());
    } else {
      positional.push(t.value);
    }
  }
  return { positional, options, flags, tokens };
}
