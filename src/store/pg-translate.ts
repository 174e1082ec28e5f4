/**
 * The SQLite spelling the modules write, in PostgreSQL's: `?` and `@name`
 * parameters become `$n`, and `LIKE` becomes `ILIKE` (SQLite's LIKE ignores
 * ASCII case, PostgreSQL's does not). String literals, quoted names and
 * comments are copied untouched. Everything else the two engines spell
 * alike, or PostgreSQL's migrations define (the `nocase` collation, `glob`,
 * `token_glob`, `instr`).
 */
export interface Translated {
  text: string;
  /** For `@name` parameters: the name behind each `$n`, in order. */
  names: string[] | null;
  /**
   * The prepared statement's name: each connection parses and plans a
   * statement once, not on every call (a round trip and a plan saved).
   */
  statement: string;
}

let statements = 0;

const cache = new Map<string, Translated>();

export function translate(sql: string): Translated {
  let t = cache.get(sql);
  if (!t) {
    if (cache.size >= 1000) cache.clear();
    t = translateUncached(sql);
    cache.set(sql, t);
  }
  return t;
}

function translateUncached(sql: string): Translated {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      out += `$${++positional}`;
      i++;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const m = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i))!;
      let n = names.indexOf(m[1]!);
      if (n < 0) n = names.push(m[1]!) - 1;
      out += `$${n + 1}`;
      i += m[0].length;
    } else if ((c === 'L' || c === 'l') && /^like\b/i.test(sql.slice(i, i + 5)) && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
      out += 'ILIKE';
      i += 4;
    } else {
      out += c;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error('SQL mixes ? and @name parameters: ' + sql.slice(0, 80));
  return { text: out, names: names.length > 0 ? names : null, statement: `ob${++statements}` };
}

/** Index just past the literal or quoted name that opens at `start` ('' and "" escape the quote). */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** The values for `$1…$n`, from an array (`?`) or an object (`@name`). */
export function values(t: Translated, params: readonly unknown[] | Readonly<Record<string, unknown>> | undefined): unknown[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return params as unknown[];
  if (!t.names) return [];
  const obj = params as Record<string, unknown>;
  return t.names.map((n) => {
    if (!(n in obj)) throw new Error(`missing named parameter @${n}`);
    return obj[n];
  });
}
