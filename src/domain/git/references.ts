/**
 * Ticket references in commit messages, with the conventions engineers know
 * from Redmine, Trac and GitHub: `refs #42` links, `fixes #42` links and
 * closes, lists like `fixes #1, #2 and #3`. Case does not matter; the
 * keyword lists are configurable. Near-misses do not count: `prefix#12`,
 * `#12abc`, a keyword glued to its number (`fixes#12`) or with no number.
 */
export interface ReferenceKeywords {
  link: readonly string[];
  close: readonly string[];
}

export const DEFAULT_KEYWORDS: ReferenceKeywords = {
  link: ['refs', 'references', 're', 'see'],
  close: ['fixes', 'fix', 'fixed', 'closes', 'close', 'closed', 'resolves', 'resolve', 'resolved'],
};

export interface Reference {
  ticket: number;
  /** `close` when a closing keyword named it (anywhere in the message); else `link`. */
  action: 'link' | 'close';
}

/** Ticket numbers above this are not ticket numbers (a year, a PR from elsewhere, noise). */
const MAX_TICKET = 10_000_000;

export function parseReferences(message: string, keywords: ReferenceKeywords = DEFAULT_KEYWORDS): Reference[] {
  const words = [...keywords.link, ...keywords.close].map(escape).sort((a, b) => b.length - a.length);
  if (words.length === 0) return [];
  const closing = new Set(keywords.close.map((k) => k.toLowerCase()));
  // A keyword (not inside a word), an optional colon, then one or more #N separated by `,`, `&` or `and`.
  const re = new RegExp(
    `(?<![\\w#-])(${words.join('|')}):?[ \\t]+(#\\d+(?![\\w#])(?:(?:[ \\t]*,[ \\t]*|[ \\t]*&[ \\t]*|[ \\t]+and[ \\t]+|,[ \\t]*and[ \\t]+)#\\d+(?![\\w#]))*)`,
    'gi',
  );
  const found = new Map<number, Reference['action']>();
  for (const m of message.matchAll(re)) {
    const action = closing.has(m[1]!.toLowerCase()) ? 'close' : 'link';
    for (const n of m[2]!.matchAll(/#(\d+)/g)) {
      const ticket = Number(n[1]);
      if (ticket < 1 || ticket > MAX_TICKET) continue;
      if (found.get(ticket) !== 'close') found.set(ticket, action);
    }
  }
  return [...found].map(([ticket, action]) => ({ ticket, action }));
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
