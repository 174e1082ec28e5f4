/**
 * The same person on IRC and Slack. `people:` in the config links an IRC
 * account and a Slack user ID under one name; tickets store that name, so
 * "mine" and "assigned to" mean the person, whichever chat they type in.
 * Someone not in the config is still a person: their IRC account, or their
 * Slack display name with their user ID.
 */
export interface Person {
  /** What tickets store and chat shows. */
  name: string;
  /** IRC account (and usual nick). */
  irc?: string;
  /** Slack user ID. */
  slack?: string;
}

/** Whether two names are one name: chat names and accounts ignore case. A missing name is nobody's. */
export function sameName(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && a.toLowerCase() === b.toLowerCase();
}

export interface PersonConfig {
  name: string;
  irc?: string | undefined;
  slack?: string | undefined;
}

export class People {
  private readonly byKey = new Map<string, Person>();

  /** `platforms`: the chats this bot is on; nobody is messaged where the bot is not. */
  constructor(configured: readonly PersonConfig[], private readonly platforms: ReadonlySet<'irc' | 'slack'> = new Set()) {
    for (const p of configured) {
      const person: Person = { name: p.name, ...(p.irc && { irc: p.irc }), ...(p.slack && { slack: p.slack }) };
      this.byKey.set(`name:${p.name.toLowerCase()}`, person);
      if (p.irc) this.byKey.set(`irc:${p.irc.toLowerCase()}`, person);
      if (p.slack) this.byKey.set(`slack:${p.slack}`, person);
    }
  }

  /**
   * The person behind a verified identity (`irc:account:alice`, `slack:U024BE7LH`),
   * or null when the platform did not vouch for them: an unverified nick is nobody.
   */
  fromIdentity(identity: string | undefined, displayName: string): Person | null {
    if (!identity) return null;
    if (identity === 'console') return this.byKey.get('name:console') ?? { name: 'console' };
    const irc = /^irc:account:(.+)$/.exec(identity);
    if (irc) return this.byKey.get(`irc:${irc[1]!.toLowerCase()}`) ?? { name: irc[1]!, irc: irc[1]! };
    const slack = /^slack:([UW][A-Z0-9]+)$/.exec(identity);
    if (slack) return this.byKey.get(`slack:${slack[1]}`) ?? { name: displayName, slack: slack[1]! };
    return null;
  }

  /**
   * The person a user means by a name typed in chat (`alice`, `@alice`, a
   * Slack mention already read as `@Alice Smith` with its identity). A name
   * nobody is configured under is taken as an IRC nick.
   */
  named(word: string, mentions: readonly { name: string; identity: string }[] = []): Person {
    const name = word.replace(/^@/, '');
    const mentioned = mentions.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (mentioned) {
      const p = this.fromIdentity(mentioned.identity, mentioned.name);
      if (p) return p;
    }
    const lower = name.toLowerCase();
    // The local console user is a person too (the default setup has no other chat).
    if (lower === 'console') return this.byKey.get('name:console') ?? { name: 'console' };
    return this.byKey.get(`name:${lower}`) ?? this.byKey.get(`irc:${lower}`) ?? this.byKey.get(`slack:${name}`) ?? { name, irc: name };
  }

  /**
   * Whether the name a ticket stores for this person leads back to them:
   * `named(person.name)` has the same IRC account and Slack ID. False for a
   * Slack user nobody configured (a display name is no address, and anyone
   * can take one: `named` would read it as an IRC nick) and for an account
   * that carries a configured person's name without being theirs.
   */
  isNamed(person: Person): boolean {
    const again = this.named(person.name);
    return (again.irc?.toLowerCase() ?? null) === (person.irc?.toLowerCase() ?? null) && (again.slack ?? null) === (person.slack ?? null);
  }

  /** Every name a configured person goes by (name, IRC account), lowercased, to their Slack user ID: for mentions across a bridge. */
  slackIds(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [key, p] of this.byKey) if (p.slack && (key.startsWith('name:') || key.startsWith('irc:'))) m.set(key.slice(key.indexOf(':') + 1), p.slack);
    return m;
  }

  /** Where a person can be messaged privately, as channel addresses: `irc:account:NAME`, `slack:U024BE7LH`. */
  directAddresses(person: Person): string[] {
    const known = this.byKey.get(`name:${person.name.toLowerCase()}`) ?? person;
    const out: string[] = [];
    // On IRC, to the account: the adapter checks who holds the nick before it sends.
    if (known.irc && this.platforms.has('irc')) out.push(`irc:account:${known.irc}`);
    if (known.slack && this.platforms.has('slack')) out.push(`slack:${known.slack}`);
    return out;
  }
}
