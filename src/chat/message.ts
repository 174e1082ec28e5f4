import { z } from 'zod';
import type { RichText } from './rich-text.js';

/**
 * The platform-neutral message model. Adapters turn IRC lines and Slack
 * events into this; the dispatcher, the bridge and the commands only ever
 * see this.
 */

/** `irc`, `slack` or `console`; the prefix of a channel address. */
export type Platform = 'irc' | 'slack' | 'console';

export interface ChatUser {
  /** How the platform addresses this user for a private reply: IRC nick, Slack user ID. */
  id: string;
  /** What the platform shows: an IRC nick, a Slack display name. Never used for permissions. */
  name: string;
  /**
   * Verified identity, only when the platform vouches for it:
   * `irc:account:alice` (SASL/NickServ account), `slack:U024BE7LH`, `console`.
   */
  identity?: string;
}

export interface InboundMessage {
  platform: Platform;
  /** Channel address: `irc:#ops`, `slack:C024BE91L`, `console`. A private message uses the sender's address. */
  channel: string;
  user: ChatUser;
  text: string;
  /** Platform thread id (Slack `thread_ts`), when the message is in a thread. */
  thread?: string;
  /** True for a direct/private message to the bot: no prefix needed. */
  direct?: boolean;
  /** An IRC /me or a Slack me_message. */
  action?: boolean;
  /** The bot was addressed by the platform's own means (a Slack mention, a slash command): the text is a command. */
  addressed?: boolean;
  /** Posted by another bot: may be relayed, never run as a command. */
  fromBot?: boolean;
  /** Answer only the asker (a Slack slash command answers ephemerally). */
  privateReply?: boolean;
  /** The text with the platform's formatting read into neutral rich text: what a bridge relays. */
  rich?: RichText;
  /** A Slack edit of an earlier message. */
  edited?: boolean;
  /** For a reply in a thread: the first words of the thread's first message, as a marker for the other side. */
  threadTitle?: string;
  /** Users the platform says the text mentions (Slack `<@U…>`, read into the text as `@name`), with their identities. */
  mentions?: { name: string; identity: string }[];
  /** Other addresses of the same channel (`slack:#ops` for `slack:C024BE91L`), as config may name it. */
  channelAliases?: string[];
  receivedAt: Date;
}

/** Splits `irc:#ops` into platform and the platform's own channel name. */
export function parseChannelAddress(address: string): { platform: Platform; target: string } | null {
  if (address === 'console') return { platform: 'console', target: 'console' };
  const m = /^(irc|slack):(\S+)$/.exec(address);
  if (!m) return null;
  return { platform: m[1] as Platform, target: m[2]! };
}

/**
 * A channel address as config and the HTTP API may write it: stricter than
 * parseChannelAddress, which reads what adapters make (`irc:alice` for a
 * private message) too.
 */
export const channelAddress = z.string().regex(/^(console|irc:[#&][^\s,\x07]{1,49}|slack:#?[a-z0-9][a-z0-9._-]{0,79}|slack:[CG][A-Z0-9]{2,})$/, {
  message: 'expected a channel address: irc:#name, slack:#name, slack:CXXXX',
});
