import type { Reply } from '../chat/command.js';
import type { InboundMessage } from '../chat/message.js';
import { line, richText, type RichText } from '../chat/rich-text.js';
import type { Outbox } from '../delivery/outbox.js';

/**
 * Relays between linked channels. Every relay is an outbox row like any
 * other message, so it is rate-limited, confirmed and kept while a side is
 * down. Loops cannot start: adapters drop the bot's own posts, and a relay
 * is only ever made from a person's message or the bot's reply to one.
 */
export class Bridge {
  private readonly peers = new Map<string, string[]>();

  constructor(gateways: readonly (readonly string[])[], private readonly outbox: Outbox) {
    for (const g of gateways) for (const addr of g) this.peers.set(addr.toLowerCase(), g.filter((a) => a !== addr));
  }

  /** Channels linked to a message's channel, whichever of its addresses the config uses. */
  peersOf(msg: Pick<InboundMessage, 'channel' | 'channelAliases'>): string[] {
    for (const addr of [msg.channel, ...(msg.channelAliases ?? [])]) {
      const peers = this.peers.get(addr.toLowerCase());
      if (peers) return peers;
    }
    return [];
  }

  /** A person's message: to every other channel of its bridge, with the author's name. */
  async relayMessage(msg: InboundMessage): Promise<void> {
    // Private exchanges stay private: DMs and slash commands (answered ephemerally).
    if (msg.direct || msg.privateReply) return;
    const body: RichText = msg.rich ?? richText(line(msg.text));
    let marked = msg.edited ? prefixed(body, '(edit) ') : body;
    if (msg.threadTitle !== undefined) marked = prefixed(marked, `(in thread “${msg.threadTitle}”) `);
    for (const to of this.peersOf(msg)) {
      await this.outbox.enqueue({ channel: to, body: marked, author: msg.user.name, ...(msg.action && { action: true }) });
    }
  }

  /** The bot's answer to a command typed in a bridged channel: both sides see it, as the bot's. */
  async relayReply(msg: InboundMessage, reply: Reply): Promise<void> {
    if (msg.direct || msg.privateReply || reply.private) return;
    for (const to of this.peersOf(msg)) await this.outbox.enqueue({ channel: to, body: reply.body });
  }
}

function prefixed(rt: RichText, prefix: string): RichText {
  const [first, ...rest] = rt.blocks;
  if (!first || first.kind !== 'line') return richText(line(prefix), ...rt.blocks);
  return richText(line(prefix, ...first.children), ...rest);
}
