import type { RichText } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Links } from '../../links.js';
import { ticketPreview } from './format.js';
import type { Ticket } from './model.js';

/** At most this many previews for one message: a pasted list of ten tickets is not a request for ten lines. */
const MAX_PER_MESSAGE = 3;

/**
 * `#42` in conversation, in a channel that has previews on, gets a one-line
 * preview of ticket 42; the same ticket in the same channel not again
 * within `everyMs`. A `#42` inside a word or a URL (`a#42`, `#42abc`,
 * `/page#42`) is not a ticket.
 */
export class TicketPreviews {
  private readonly channels: Set<string>;
  private readonly lastShown = new Map<string, number>();

  constructor(private readonly deps: {
    channels: readonly string[];
    everyMs: number;
    clock: Clock;
    ticket(id: number): Promise<Ticket | null> | Ticket | null;
    /** Channels bridged with this one: they see the preview too, so it counts as shown there. */
    peers?: (msg: { channel: string; channelAliases?: string[] }) => string[];
    links: Links;
  }) {
    this.channels = new Set(deps.channels);
  }

  /** The previews a message should get, already counted as shown. */
  async previewsFor(msg: { channel: string; channelAliases?: string[]; text: string }): Promise<RichText[]> {
    const addresses = [msg.channel, ...(msg.channelAliases ?? [])];
    if (!addresses.some((a) => this.channels.has(a))) return [];
    const now = this.deps.clock.now().getTime();
    this.forgetOld(now);
    const out: RichText[] = [];
    const ids = new Set([...msg.text.matchAll(/(?<![\w#/&-])#(\d{1,7})(?![\w#])/g)].map((m) => Number(m[1])));
    for (const id of ids) {
      if (out.length >= MAX_PER_MESSAGE) break;
      const key = `${msg.channel} ${id}`;
      if (this.shownRecently(key, now)) continue;
      const ticket = await this.deps.ticket(id);
      // Another message may have shown it while the ticket was read.
      if (!ticket || this.shownRecently(key, now)) continue;
      for (const c of [msg.channel, ...(this.deps.peers?.(msg) ?? [])]) this.lastShown.set(`${c} ${id}`, now);
      out.push(ticketPreview(ticket, this.deps.links));
    }
    return out;
  }

  private shownRecently(key: string, now: number): boolean {
    const last = this.lastShown.get(key);
    return last !== undefined && now - last < this.deps.everyMs;
  }

  /** Keeps the map from growing without end in a busy channel. */
  private forgetOld(now: number): void {
    if (this.lastShown.size < 1000) return;
    for (const [k, at] of this.lastShown) if (now - at >= this.deps.everyMs) this.lastShown.delete(k);
  }
}
