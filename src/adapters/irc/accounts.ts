/**
 * Which services account each nick is logged in to, as far as the server
 * told us: `account-notify` and `extended-join` keep it current, WHOIS
 * answers are trusted for a short while. Nicks are case-insensitive.
 */
export class AccountCache {
  private readonly entries = new Map<string, { account: string | null; until: number }>();

  constructor(private readonly now: () => number, private readonly whoisTtlMs = 60_000) {}

  /** From account-notify or extended-join: valid until the server says otherwise. */
  set(nick: string, account: string | null): void {
    this.entries.set(nick.toLowerCase(), { account, until: Infinity });
  }

  /** From WHOIS: trusted for a short while only, since no notification follows a later login or logout. */
  setFromWhois(nick: string, account: string | null): void {
    this.entries.set(nick.toLowerCase(), { account, until: this.now() + this.whoisTtlMs });
  }

  /** The account, null when known to be logged out, undefined when unknown. */
  get(nick: string): string | null | undefined {
    const e = this.entries.get(nick.toLowerCase());
    if (!e) return undefined;
    if (e.until < this.now()) {
      this.entries.delete(nick.toLowerCase());
      return undefined;
    }
    return e.account;
  }

  /**
   * Only what the server keeps us told about (account-notify, extended-join
   * for nicks sharing a channel): a WHOIS answer may be a minute old, which
   * is too old to decide who gets a private message.
   */
  getTracked(nick: string): string | null | undefined {
    const e = this.entries.get(nick.toLowerCase());
    return e && e.until === Infinity ? e.account : undefined;
  }

  /** The person behind `from` now uses `to`: whatever we knew about `to` was someone else. */
  rename(from: string, to: string): void {
    const e = this.entries.get(from.toLowerCase());
    this.entries.delete(from.toLowerCase());
    this.entries.delete(to.toLowerCase());
    if (e) this.entries.set(to.toLowerCase(), e);
  }

  forget(nick: string): void {
    this.entries.delete(nick.toLowerCase());
  }

  clear(): void {
    this.entries.clear();
  }
}
