import type { Client, MessageEvent } from 'irc-framework';
import { PermanentDeliveryError } from '../../adapter.js';
import { isValidTarget } from '../targets.js';
import type { IrcSession } from './session.js';

const WHOIS_TIMEOUT_MS = 5_000;

/** Which services account each nick is logged in to: extended-join, account-notify and WHOIS answers. */
export function bindAccountEvents(client: Client, irc: IrcSession): void {
  client.on('nick', (e: { nick: string; new_nick: string }) => irc.accounts.rename(e.nick, e.new_nick));
  client.on('quit', (e: { nick: string }) => irc.accounts.forget(e.nick));
  client.on('join', (e: { nick: string; account?: string | false }) => {
    if (e.nick !== irc.currentNick && e.account !== undefined) irc.accounts.set(e.nick, e.account === false ? null : e.account);
  });
  // Someone the bot may no longer share a channel with: no notification
  // will tell us if they log out or someone else takes the nick. When the
  // bot itself leaves, that may be anyone.
  const left = (nick: string) => (nick === irc.currentNick ? irc.accounts.clear() : irc.accounts.forget(nick));
  client.on('kick', (e: { kicked: string }) => left(e.kicked));
  client.on('part', (e: { nick: string }) => left(e.nick));
  client.on('account', (e: { nick: string; account: string | false }) => irc.accounts.set(e.nick, e.account === false ? null : e.account));
  client.on('whois', (e: { nick: string; account?: string; error?: string }) => {
    const account = e.error ? null : (e.account ?? null);
    irc.accounts.setFromWhois(e.nick, account);
    const waiters = irc.whoisWaiters.get(e.nick.toLowerCase()) ?? [];
    irc.whoisWaiters.delete(e.nick.toLowerCase());
    for (const w of waiters) w(account);
  });
}

/**
 * The services account behind a message. With `account-tag` the server
 * says it on every message (no tag: not logged in); otherwise what
 * `extended-join`/`account-notify` told us, else a WHOIS (330).
 */
export async function accountOf(irc: IrcSession, client: Client, e: MessageEvent): Promise<string | null> {
  if (client.network.cap.isEnabled('account-tag')) return e.account || null;
  return accountOfNick(irc, e.nick);
}

/**
 * `account:NAME` (`irc:account:alice`) is a private message for whoever is
 * logged in as NAME, not for whoever holds the nick: it goes to nick NAME
 * only when services say that nick is logged in to that account. Other
 * targets are themselves.
 */
export async function accountTarget(irc: IrcSession, target: string): Promise<string> {
  const m = /^account:(.+)$/.exec(target);
  if (!m) return target;
  const account = m[1]!;
  if (!isValidTarget(account)) throw new PermanentDeliveryError(`not a valid IRC account: ${JSON.stringify(account)}`);
  const actual = await accountOfNick(irc, account, { fresh: true });
  if (actual?.toLowerCase() !== account.toLowerCase()) {
    throw new PermanentDeliveryError(`nobody logged in as ${account} holds that nick now: private message dropped`);
  }
  return account;
}

/** What extended-join/account-notify told us about a nick, else a WHOIS (330); `fresh`: no WHOIS answer from before. */
function accountOfNick(irc: IrcSession, nick: string, opts: { fresh?: boolean } = {}): Promise<string | null> {
  const known = opts.fresh ? irc.accounts.getTracked(nick) : irc.accounts.get(nick);
  if (known !== undefined) return Promise.resolve(known);
  return new Promise((resolve) => {
    const key = nick.toLowerCase();
    const waiters = irc.whoisWaiters.get(key);
    const timer = setTimeout(() => resolve(null), WHOIS_TIMEOUT_MS);
    const done = (account: string | null) => {
      clearTimeout(timer);
      resolve(account);
    };
    if (waiters) waiters.push(done);
    else {
      irc.whoisWaiters.set(key, [done]);
      // Through the send queue: twenty new speakers must not mean twenty lines at once.
      void irc.queue.enqueue('*whois', [`WHOIS ${nick}`]).catch(() => done(null));
    }
  });
}
