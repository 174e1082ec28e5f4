import { mention, tone, type Inline } from '../../src/chat/rich-text.js';
import type { Person } from '../../src/domain/people.js';
import { eventText, oneLine, ticketBrief } from '../../src/domain/tickets/format.js';
import type { Ticket, TicketEvent } from '../../src/domain/tickets/model.js';
import { formatTime } from '../../src/time/format.js';
import type { Ctx } from './context.js';

/** Pieces of the ticket commands' replies. */

/** A mention the asker's platform turns into a real one: the IRC nick on IRC, the name on Slack. */
export function mentionOf(ctx: Ctx, p: Person): Inline {
  return mention(ctx.message.platform === 'irc' ? (p.irc ?? p.name) : p.name);
}

export function eventLine(ctx: Ctx, e: TicketEvent): Inline[] {
  return [tone('muted', formatTime(e.at, ctx.services.timezone)), ' ', ...eventText(e)];
}

/** The brief with the assignee as a mention, for replies that tell someone they have it. */
export function briefMentioning(ctx: Ctx, t: Ticket, assignee: Person | undefined): Inline[] {
  const brief = ticketBrief(t).slice(2); // without the leading `#42 `
  if (!assignee || !t.assignee) return brief;
  return brief.flatMap((i) => (i === `→ ${t.assignee}` ? ['→ ', mentionOf(ctx, assignee)] : [i]));
}

export function title(t: Ticket): string {
  return oneLine(t.title, 80);
}
