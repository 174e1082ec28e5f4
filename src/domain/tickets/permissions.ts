import { roleAtLeast, type Role } from '../../chat/permissions.js';
import { UserError } from '../../errors.js';
import { sameName, type People, type Person } from '../people.js';
import type { Ticket } from './model.js';

/**
 * Who may do what to a ticket, and who someone is. Identity is verified,
 * never a nick: a person is only who the chat vouched for, and a name stored
 * on a ticket must lead back to them, or notices would reach whoever takes
 * the name later.
 */

/** Who is asking, as their chat saw them. */
export interface Asker {
  /** The verified identity (`irc:account:alice`, `slack:U024BE7LH`, `console`); none for a bare nick. */
  identity: string | undefined;
  /** The nick or display name as seen. */
  name: string;
  role: Role;
  /** How the timeline names them when they are nobody: the identity, else the nick as seen (`irc:nick:NAME`), which is never messaged. */
  seenAs: string;
  /** The message's mentions (`@Alice Smith` on Slack): they say who a typed name is. */
  mentions?: readonly { name: string; identity: string }[] | undefined;
}

export const NOT_IDENTIFIED = 'you are not identified (not logged in to an account), so I cannot tell who you are';

/** A typed name that is neither a configured person nor an IRC nick. */
export class NotAPerson extends UserError {}

/** Taking a ticket someone else holds; `taker` may ask an operator to reassign it. */
export class HeldByOther extends UserError {
  constructor(readonly ticket: Ticket, readonly taker: Person) {
    super(`#${ticket.id} is assigned to ${ticket.assignee}: ask them, or an operator to reassign it`);
  }
}

/** The asker as a person whose name leads back to them, or why not and what to do about it. */
export type WhoAmI = { person: Person; why?: undefined; fix?: undefined } | { person: null; why: string; fix: string };

export class TicketRules {
  constructor(
    private readonly people: People,
    private readonly asker: Asker,
    /** What an IRC nick looks like: a typed name nobody is configured under is taken as one, so it must look like one. */
    private readonly nick: RegExp,
  ) {}

  /**
   * The asker as a person whose name leads back to them, or why not: not
   * logged in, or an account that is not linked to its name in `people:`
   * (a Slack user nobody configured is only a display name).
   */
  whoAmI(): WhoAmI {
    const { identity, name } = this.asker;
    const p = this.people.fromIdentity(identity, name);
    if (!p) return { person: null, why: NOT_IDENTIFIED, fix: 'log in to your account (on IRC: SASL or NickServ)' };
    if (!this.people.isNamed(p)) {
      return { person: null, why: `your account (${identity}) is not linked to the name ${p.name} in the config, so I could not find you by it later`, fix: 'ask an admin to add you to people: in the config' };
    }
    return { person: p };
  }

  me(): Person | null {
    return this.whoAmI().person;
  }

  /** The asker, who must be a person to `toDo` (`take a ticket`); else a UserError saying why and what to do. */
  verified(toDo: string): Person {
    const w = this.whoAmI();
    if (!w.person) throw new UserError(`${w.why} — ${w.fix} to ${toDo}`);
    return w.person;
  }

  /** Who did it, for the timeline: the person, else the identity or nick as seen. */
  actor(): Person {
    return this.me() ?? { name: this.asker.seenAs };
  }

  /**
   * The person a typed name means (`alice`, `@alice`, a Slack mention, `me`).
   * With `stored`, the name goes on a ticket and must lead back to them.
   * Throws NotAPerson for a name that could be nobody.
   */
  personNamed(word: string, stored = true): Person {
    const name = word.replace(/^@/, '').trim();
    if (sameName(name, 'me')) return this.verified('name yourself');
    const p = this.people.named(word, this.asker.mentions ?? []);
    const unknown = p.name === name && p.irc === name && p.slack === undefined;
    if (name === '' || (unknown && !this.nick.test(name))) throw new NotAPerson(`'${name}' is neither a nick nor a configured person`);
    if (stored && !this.people.isNamed(p)) throw new UserError(`${p.name} is not in people: in the config, so I could not find them by that name later — an admin can add them there (name, irc, slack)`);
    return p;
  }

  /**
   * The assignee a new ticket's `@name` means. Only someone identified may
   * have the bot message someone; giving someone else work is an
   * operator's call, as with `ticket assign`, and naming yourself is taking it.
   */
  newTicketAssignee(word: string): Person {
    if (!this.asker.identity) throw new UserError(`${NOT_IDENTIFIED}, so I will not message ${word.slice(1)} for you: open it without the @name, or log in to your account first`);
    const assignee = this.personNamed(word);
    if (!roleAtLeast(this.asker.role, 'operator') && !sameName(this.me()?.name, assignee.name)) {
      throw new UserError(`assigning someone else needs the operator role; you are ${this.asker.role}: open it without ${word}, or with @me`);
    }
    return assignee;
  }

  /**
   * Status changes (`verb`: `close`, `change the status of`): operators, and
   * the ticket's assignee or reporter (verified). Returns who is acting.
   */
  mayChangeStatus(t: Ticket, verb: string): Person {
    const { role } = this.asker;
    if (roleAtLeast(role, 'operator')) return this.actor();
    const { person: p, why, fix } = this.whoAmI();
    if (!p) throw new UserError(`${why} — only operators and the ticket's assignee or reporter can ${verb} it; ${fix} first`);
    if (sameName(t.assignee, p.name) || sameName(t.reporter, p.name)) return p;
    throw new UserError(`only an operator, the assignee${t.assignee ? ` (${t.assignee})` : ''} or the reporter (${t.reporter}) can ${verb} #${t.id}; you are ${p.name}, ${role}`);
  }

  /** Whether `taker` (verified) may take `t`: not theirs already, and someone else's only for an operator (HeldByOther). */
  mayTake(t: Ticket, taker: Person): void {
    if (sameName(t.assignee, taker.name)) throw new UserError(`#${t.id} is yours already`);
    if (t.assignee && !roleAtLeast(this.asker.role, 'operator')) throw new HeldByOther(t, taker);
  }
}
