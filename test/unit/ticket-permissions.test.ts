import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/chat/permissions.js';
import { IRC_NICK } from '../../src/config/schema.js';
import { People } from '../../src/domain/people.js';
import type { Ticket } from '../../src/domain/tickets/model.js';
import { HeldByOther, NotAPerson, TicketRules, type Asker } from '../../src/domain/tickets/permissions.js';
import { UserError } from '../../src/errors.js';
import { thrownBy } from '../helpers/thrown.js';

const people = new People([
  { name: 'alice', irc: 'ali', slack: 'U024BE7LH' },
  { name: 'erin', slack: 'U0ERIN' },
]);

const ALICE: Asker = { identity: 'irc:account:ali', name: 'ali', role: 'viewer', seenAs: 'irc:account:ali' };
const CAROL: Asker = { identity: 'irc:account:carol', name: 'carol', role: 'viewer', seenAs: 'irc:account:carol' };
/** A Slack user nobody configured: only a display name, which could be anyone's. */
const DAVE: Asker = { identity: 'slack:U0DAVE', name: 'Dave', role: 'viewer', seenAs: 'slack:U0DAVE' };
/** An IRC account carrying a configured person's name (alice's account is `ali`). */
const FAKE_ALICE: Asker = { identity: 'irc:account:alice', name: 'alice', role: 'viewer', seenAs: 'irc:account:alice' };
const MALLORY: Asker = { identity: undefined, name: 'mallory', role: 'viewer', seenAs: 'irc:nick:mallory' };

const rules = (asker: Asker, role?: Role) => new TicketRules(people, role ? { ...asker, role } : asker, IRC_NICK);

function ticket(extra: Partial<Ticket> = {}): Ticket {
  return {
    id: 7, title: 'disk full', description: '', status: 'open', priority: 'normal', reporter: 'alice', assignee: null, channel: null,
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', closed_at: null, hosts: [], ...extra,
  };
}

const refusal = (f: () => unknown) => thrownBy(UserError, f);

describe('whoAmI and verified', () => {
  it('is the configured person behind a verified account, and the account itself when nobody configured it', () => {
    expect(rules(ALICE).whoAmI()).toEqual({ person: { name: 'alice', irc: 'ali', slack: 'U024BE7LH' } });
    expect(rules(CAROL).me()).toEqual({ name: 'carol', irc: 'carol' });
    expect(rules(CAROL).verified('take a ticket')).toEqual({ name: 'carol', irc: 'carol' });
  });

  it('is nobody without an identity, or with a name that would not lead back to them', () => {
    expect(rules(MALLORY).whoAmI()).toEqual({ person: null, why: 'you are not identified (not logged in to an account), so I cannot tell who you are', fix: 'log in to your account (on IRC: SASL or NickServ)' });
    expect(rules(DAVE).whoAmI().why).toBe('your account (slack:U0DAVE) is not linked to the name Dave in the config, so I could not find you by it later');
    expect(rules(FAKE_ALICE).me()).toBeNull();
    expect(refusal(() => rules(MALLORY).verified('watch a ticket')).message).toBe(
      'you are not identified (not logged in to an account), so I cannot tell who you are — log in to your account (on IRC: SASL or NickServ) to watch a ticket',
    );
    expect(refusal(() => rules(DAVE).verified('take a ticket')).message).toMatch(/ — ask an admin to add you to people: in the config to take a ticket$/);
  });

  it('the actor of a timeline entry is the person, else the identity or nick as seen', () => {
    expect(rules(ALICE).actor()).toEqual({ name: 'alice', irc: 'ali', slack: 'U024BE7LH' });
    expect(rules(MALLORY).actor()).toEqual({ name: 'irc:nick:mallory' });
    expect(rules(DAVE).actor()).toEqual({ name: 'slack:U0DAVE' });
  });
});

describe('personNamed', () => {
  it('reads a configured name, an IRC account, a nick, a Slack mention and me', () => {
    expect(rules(CAROL).personNamed('alice')).toEqual({ name: 'alice', irc: 'ali', slack: 'U024BE7LH' });
    expect(rules(CAROL).personNamed('@ALI')).toEqual({ name: 'alice', irc: 'ali', slack: 'U024BE7LH' });
    expect(rules(CAROL).personNamed('bob')).toEqual({ name: 'bob', irc: 'bob' });
    const mentioning = { ...CAROL, mentions: [{ name: 'Erin E', identity: 'slack:U0ERIN' }] };
    expect(rules(mentioning).personNamed('@Erin E')).toEqual({ name: 'erin', slack: 'U0ERIN' });
    expect(rules(ALICE).personNamed('me').name).toBe('alice');
    expect(refusal(() => rules(MALLORY).personNamed('@me')).message).toMatch(/so I cannot tell who you are — .* to name yourself$/);
  });

  it('refuses a word that is no nick as NotAPerson, and a name that would not lead back unless only listing', () => {
    for (const word of ['42', 'two words', '@', 'bad!name']) {
      const err = refusal(() => rules(CAROL).personNamed(word));
      expect(err).toBeInstanceOf(NotAPerson);
      expect(err.message).toBe(`'${word.replace(/^@/, '')}' is neither a nick nor a configured person`);
    }
    const slackOnly = { ...CAROL, mentions: [{ name: 'Dave', identity: 'slack:U0DAVE' }] };
    expect(refusal(() => rules(slackOnly).personNamed('@Dave')).message).toBe(
      'Dave is not in people: in the config, so I could not find them by that name later — an admin can add them there (name, irc, slack)',
    );
    expect(rules(slackOnly).personNamed('@Dave', false)).toEqual({ name: 'Dave', slack: 'U0DAVE' });
  });
});

describe('newTicketAssignee', () => {
  it('lets anyone identified name themselves, and only operators someone else', () => {
    expect(rules(ALICE).newTicketAssignee('@me').name).toBe('alice');
    expect(rules(ALICE).newTicketAssignee('@alice').name).toBe('alice');
    expect(rules(CAROL, 'operator').newTicketAssignee('@alice').name).toBe('alice');
    expect(refusal(() => rules(CAROL).newTicketAssignee('@alice')).message).toBe('assigning someone else needs the operator role; you are viewer: open it without @alice, or with @me');
    expect(refusal(() => rules(MALLORY, 'operator').newTicketAssignee('@alice')).message).toBe(
      'you are not identified (not logged in to an account), so I cannot tell who you are, so I will not message alice for you: open it without the @name, or log in to your account first',
    );
  });
});

describe('mayChangeStatus', () => {
  const t = ticket({ assignee: 'carol', reporter: 'alice' });

  it('lets operators, the assignee and the reporter, and says who acts', () => {
    expect(rules(MALLORY, 'operator').mayChangeStatus(t, 'close')).toEqual({ name: 'irc:nick:mallory' });
    expect(rules(CAROL).mayChangeStatus(t, 'close').name).toBe('carol');
    expect(rules(ALICE).mayChangeStatus(t, 'close').name).toBe('alice');
  });

  it('refuses anyone else, and someone who cannot be told apart from them', () => {
    const erin: Asker = { identity: 'slack:U0ERIN', name: 'Erin E', role: 'viewer', seenAs: 'slack:U0ERIN' };
    expect(refusal(() => rules(erin).mayChangeStatus(t, 'close')).message).toBe('only an operator, the assignee (carol) or the reporter (alice) can close #7; you are erin, viewer');
    expect(refusal(() => rules(erin).mayChangeStatus(ticket(), 'reopen')).message).toBe('only an operator, the assignee or the reporter (alice) can reopen #7; you are erin, viewer');
    expect(refusal(() => rules(MALLORY).mayChangeStatus(t, 'change the status of')).message).toBe(
      "you are not identified (not logged in to an account), so I cannot tell who you are — only operators and the ticket's assignee or reporter can change the status of it; log in to your account (on IRC: SASL or NickServ) first",
    );
    // The account `alice` is not the person alice (account `ali`), whose ticket it is.
    expect(refusal(() => rules(FAKE_ALICE).mayChangeStatus(t, 'close')).message).toMatch(/^your account \(irc:account:alice\) is not linked/);
  });
});

describe('mayTake', () => {
  const carol = { name: 'carol', irc: 'carol' };

  it('an unassigned ticket is anyone’s; someone else’s only an operator’s', () => {
    expect(() => rules(CAROL).mayTake(ticket(), carol)).not.toThrow();
    expect(() => rules(CAROL, 'operator').mayTake(ticket({ assignee: 'alice' }), carol)).not.toThrow();
    const held = refusal(() => rules(CAROL).mayTake(ticket({ assignee: 'alice' }), carol));
    expect(held).toBeInstanceOf(HeldByOther);
    expect(held.message).toBe('#7 is assigned to alice: ask them, or an operator to reassign it');
    expect((held as HeldByOther).taker).toBe(carol);
    expect(refusal(() => rules(CAROL, 'operator').mayTake(ticket({ assignee: 'Carol' }), carol)).message).toBe('#7 is yours already');
  });
});
