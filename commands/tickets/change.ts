import { reply, UsageError, type CommandAction, type CommandContext } from '../../src/chat/command.js';
import { usageOf } from '../../src/chat/help.js';
import { bold, join, line, richText } from '../../src/chat/rich-text.js';
import { closest } from '../../src/chat/suggest.js';
import { oneLine, statusLabel } from '../../src/domain/tickets/format.js';
import { ACTIVE_STATUSES, isTicketStatus, TICKET_STATUSES, type Ticket, type TicketStatus } from '../../src/domain/tickets/model.js';
import { HeldByOther } from '../../src/domain/tickets/permissions.js';
import { UserError } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { mentionedIn, personNamed, requireTicket, rules, ticketNumber } from './context.js';
import { mentionOf, title } from './format.js';

/** Who has a ticket and what state it is in: `!ticket assign`, `take`, `status`, `close`, `reopen`. */

export const assign: CommandAction<Services> = {
  summary: 'Give a ticket to someone (a nick, a configured name, a Slack @mention). The reply mentions them; they hear privately on their other chats.',
  usage: 'ID NAME',
  examples: ['ticket assign 42 alice', 'ticket assign #42 @bob'],
  role: 'operator',
  async run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketNumber(word);
    if (rest.length === 0) throw new UsageError(`assign #${id} to whom?`);
    const person = personNamed(ctx, rest.join(' '));
    await requireTicket(ctx, id);
    const { ticket, previous } = await ctx.services.tickets.assign(id, person, rules(ctx).actor(), mentionedIn(ctx));
    return reply(richText(line(...join([bold(`#${id}`), 'assigned to', mentionOf(ctx, person), previous && `(was ${previous})`, `— ${title(ticket)}`]))));
  },
};

export const take: CommandAction<Services> = {
  summary: "Assign a ticket to yourself (you must be logged in to an account). Someone else's ticket only an operator takes over.",
  usage: 'ID',
  examples: ['ticket take 42'],
  role: 'viewer',
  async run(ctx, args) {
    const id = ticketNumber(args.positional[0]);
    if (args.positional.length > 1) throw new UsageError(undefined, { hint: `(to give it to someone else: ${usageOf(ctx.commands, ctx.prefix, 'ticket assign')})` });
    const asker = rules(ctx);
    const person = asker.verified('take a ticket');
    const t = await requireTicket(ctx, id);
    try {
      asker.mayTake(t, person);
    } catch (err) {
      if (err instanceof HeldByOther) throw new UserError(`${err.message} (${ctx.prefix}ticket assign ${id} ${person.name})`);
      throw err;
    }
    const { ticket, previous } = await ctx.services.tickets.assign(id, person, person, mentionedIn(ctx));
    return reply(richText(line(...join([bold(`#${id}`), 'is yours now', previous && `(was ${previous})`, `— ${title(ticket)}`]))));
  },
};

function parseStatus(words: string[]): { status: TicketStatus; used: number } {
  const first = (words[0] ?? '').toLowerCase();
  if (first === 'in' && words[1]?.toLowerCase() === 'progress') return { status: 'in_progress', used: 2 };
  const s = first.replace(/[- ]/g, '_');
  if (isTicketStatus(s)) return { status: s, used: 1 };
  const hint = closest(s, TICKET_STATUSES, 1)[0];
  throw new UserError(
    first === '' ? `to which status? use one of ${TICKET_STATUSES.join(', ')}` : `unknown status '${words[0]}'${hint ? ` — did you mean ${hint}?` : ''} (use ${TICKET_STATUSES.join(', ')})`,
  );
}

const PERMISSION_NOTE = "Allowed to operators and to the ticket's assignee or reporter.";

/**
 * The one path of `status`, `close` and `reopen`: the ticket must exist,
 * `refuse` may object to its current state, then the asker's right is checked.
 */
async function changeStatus(
  ctx: CommandContext<Services>,
  id: number,
  to: TicketStatus,
  verb: string,
  note: string,
  refuse?: (t: Ticket) => string | undefined,
): Promise<Ticket> {
  const t = await requireTicket(ctx, id);
  const refusal = refuse?.(t);
  if (refusal) throw new UserError(refusal);
  const who = rules(ctx).mayChangeStatus(t, verb);
  return await ctx.services.tickets.setStatus(id, to, who, note.trim() || undefined);
}

export const status: CommandAction<Services> = {
  summary: `Set a ticket's status: ${TICKET_STATUSES.join(', ')}, with an optional note. ${PERMISSION_NOTE}`,
  usage: 'ID STATUS [note…]',
  examples: ['ticket status 42 in_progress', 'ticket status 42 resolved rebooted, watching it'],
  role: 'viewer',
  freeText: true,
  async run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketNumber(word);
    const { status: to, used } = parseStatus(rest);
    const after = await changeStatus(ctx, id, to, 'change the status of', rest.slice(used).join(' '));
    return reply(richText(line(...join([bold(`#${id}`), 'now', statusLabel(after.status), `— ${title(after)}`]))));
  },
};

export const close: CommandAction<Services> = {
  summary: `Close a ticket, with an optional note (found by search). ${PERMISSION_NOTE}`,
  usage: 'ID [note…]',
  examples: ['ticket close 42', 'ticket close 42 replaced the disk'],
  role: 'viewer',
  freeText: true,
  async run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketNumber(word);
    const note = rest.join(' ').trim();
    const after = await changeStatus(ctx, id, 'closed', 'close', note);
    return reply(richText(line(...join([bold(`#${id}`), statusLabel(after.status), `— ${title(after)}`, note && `(${oneLine(note, 80)})`]))));
  },
};

export const reopen: CommandAction<Services> = {
  summary: `Open a resolved or closed ticket again, with an optional reason. ${PERMISSION_NOTE}`,
  usage: 'ID [reason…]',
  examples: ['ticket reopen 42 disk full again'],
  role: 'viewer',
  freeText: true,
  async run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketNumber(word);
    const after = await changeStatus(ctx, id, 'open', 'reopen', rest.join(' '), (t) =>
      ACTIVE_STATUSES.includes(t.status) ? `#${id} is ${t.status.replace('_', ' ')}, not resolved or closed: nothing to reopen` : undefined,
    );
    return reply(richText(line(...join([bold(`#${id}`), 'reopened', `— ${title(after)}`]))));
  },
};
