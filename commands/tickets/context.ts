import { hashIdArg } from '../../src/chat/args.js';
import { UsageError, type CommandContext } from '../../src/chat/command.js';
import { IRC_NICK } from '../../src/config/schema.js';
import type { Person } from '../../src/domain/people.js';
import type { Ticket } from '../../src/domain/tickets/model.js';
import { NotAPerson, TicketRules } from '../../src/domain/tickets/permissions.js';
import { UserError } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { actorOf } from '../format/actor.js';

/** What the ticket commands share: the asker's rules, ticket numbers, the ticket itself. */

export type Ctx = CommandContext<Services>;

/** The ticket rules for whoever typed this command. */
export function rules(ctx: Ctx): TicketRules {
  const { user, mentions } = ctx.message;
  return new TicketRules(ctx.services.people, { identity: user.identity, name: user.name, role: ctx.role, seenAs: actorOf(ctx), mentions }, IRC_NICK);
}

/** The `#ID` argument: `42` or `#42`. */
export function ticketNumber(word: string | undefined): number {
  return hashIdArg(word, 'a ticket number', 'which ticket?');
}

/** The ticket, or an error that says how to find one. */
export async function requireTicket(ctx: Ctx, id: number): Promise<Ticket> {
  const t = await ctx.services.tickets.get(id);
  if (!t) throw new UserError(`no ticket #${id} — ${ctx.prefix}tickets lists the open ones, ${ctx.prefix}tickets search WORDS finds the others`);
  return t;
}

/** A typed name as a person (TicketRules.personNamed); a name that could be nobody is answered with the usage. */
export function personNamed(ctx: Ctx, word: string, stored = true): Person {
  return withUsage(() => rules(ctx).personNamed(word, stored));
}

/** Runs `f`, answering a NotAPerson with the action's usage. */
export function withUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof NotAPerson) throw new UsageError(err.message);
    throw err;
  }
}

/** The channel whose reply mentions an assignee: none for a private exchange, where they see nothing. */
export function mentionedIn(ctx: Ctx): string | undefined {
  return ctx.message.direct || ctx.message.privateReply ? undefined : ctx.message.channel;
}
