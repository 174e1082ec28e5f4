import { UsageError } from './command.js';

/**
 * Argument words that several commands (and the board's paths) read the
 * same way. One copy each, so `#42` means the same everywhere.
 */

/** `42` or `#42`, an id the way chat and the board show it: its number, else null. At most 12 digits; `0` is a number (that no row has). */
export function parseHashId(word: string): number | null {
  const m = /^#?(\d{1,12})$/.exec(word);
  return m ? Number(m[1]) : null;
}

/**
 * A command's `#ID` argument. No word (or an empty one) is a usage error saying `missing`
 * (`which ticket?`), or only the usage; a word that is no id is one naming
 * it: `'x' is not a ticket number: use the number shown as #ID`. `what` is
 * the kind of id with its article: `a ticket number`, `an alert id`.
 */
export function hashIdArg(word: string | undefined, what: string, missing?: string): number {
  if (!word) throw new UsageError(missing);
  const id = parseHashId(word);
  if (id === null) throw new UsageError(`'${word}' is not ${what}: use the number shown as #ID`);
  return id;
}
