import { reply, type Command, type CommandAction, type CommandContext } from '../src/chat/command.js';
import { splitArgs, type ParsedArgs, type Token } from '../src/chat/command-line.js';
import { roleAtLeast } from '../src/chat/permissions.js';
import { bold, code, join, line, link, list, mention, richText, text, tone, type Block, type Inline } from '../src/chat/rich-text.js';
import { closest } from '../src/chat/suggest.js';
import type { Person } from '../src/domain/people.js';
import { eventText, oneLine, statusLabel, ticketBrief } from '../src/domain/tickets/format.js';
import { ACTIVE_STATUSES, isPriority, isTicketStatus, PRIORITIES, TICKET_STATUSES, type Priority, type Ticket, type TicketEvent, type TicketFilter, type TicketStatus } from '../src/domain/tickets/model.js';
import { IRC_NICK } from '../src/config/schema.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { formatTime } from '../src/time/format.js';
import { actorOf } from './format/actor.js';
import { moreLine } from './format/more.js';

type Ctx = CommandContext<Services>;

/** Tickets listed in a channel; `--full` sends up to FULL_LIST privately. */
const CHANNEL_LINES = 5;
const FULL_LIST = 50;
/** Timeline entries `!ticket 42` shows; `--full` shows up to FULL_EVENTS. */
const RECENT_EVENTS = 3;
const FULL_EVENTS = 50;
/** Linked commits `--full` lists, the latest. */
const FULL_COMMITS = 20;
/** What `--full` reads of a timeline: far more than any ticket has. */
const ALL_EVENTS = 100_000;

const NOT_IDENTIFIED = 'you are not identified (not logged in to an account), so I cannot tell who you are';

// ── helpers: numbers, people, permissions ───────────────────────────────

function ticketId(word: string | undefined, usage: string): number {
  const m = word ? /^#?(\d{1,12})$/.exec(word) : null;
  if (!m) throw new UserError(word ? `'${word}' is not a ticket number: use the number shown as #ID, e.g. ${usage}` : `which ticket? ${usage}`);
  return Number(m[1]);
}

/** The ticket, or an error that says how to find one. */
function requireTicket(ctx: Ctx, id: number): Ticket {
  const t = ctx.services.tickets.get(id);
  if (!t) throw new UserError(`no ticket #${id} — ${ctx.prefix}tickets lists the open ones, ${ctx.prefix}tickets search WORDS finds the others`);
  return t;
}

/**
 * The asker as a person whose name leads back to them, or why not: not
 * logged in, or an account that is not linked to its name in `people:`
 * (a Slack user nobody configured is only a display name).
 */
function whoAmI(ctx: Ctx): { person: Person; why?: undefined; fix?: undefined } | { person: null; why: string; fix: string } {
  const { user } = ctx.message;
  const { people } = ctx.services;
  const p = people.fromIdentity(user.identity, user.name);
  if (!p) return { person: null, why: NOT_IDENTIFIED, fix: 'log in to your account (on IRC: SASL or NickServ)' };
  if (!people.isNamed(p)) {
    return { person: null, why: `your account (${user.identity}) is not linked to the name ${p.name} in the config, so I could not find you by it later`, fix: 'ask an admin to add you to people: in the config' };
  }
  return { person: p };
}

function me(ctx: Ctx): Person | null {
  return whoAmI(ctx).person;
}

function verified(ctx: Ctx, toDo: string): Person {
  const w = whoAmI(ctx);
  if (!w.person) throw new UserError(`${w.why} — ${w.fix} to ${toDo}`);
  return w.person;
}

/** Who did it, for the timeline: the person, else the identity or nick as seen (`irc:nick:NAME`), which is never messaged. */
function actor(ctx: Ctx): Person {
  return me(ctx) ?? { name: actorOf(ctx) };
}

const same = (a: string | null | undefined, b: string) => a != null && a.toLowerCase() === b.toLowerCase();

/**
 * The person a typed name means (`alice`, `@alice`, a Slack mention). A name
 * nobody is configured under is an IRC nick, so it must look like one. With
 * `stored`, the name goes on a ticket and must lead back to them.
 */
function personNamed(ctx: Ctx, word: string, usage: string, stored = true): Person {
  const name = word.replace(/^@/, '').trim();
  if (same(name, 'me')) return verified(ctx, 'name yourself');
  const { people } = ctx.services;
  const p = people.named(word, ctx.message.mentions);
  const unknown = p.name === name && p.irc === name && p.slack === undefined;
  if (name === '' || (unknown && !IRC_NICK.test(name))) throw new UserError(`'${name}' is neither a nick nor a configured person — ${usage}`);
  if (stored && !people.isNamed(p)) throw new UserError(`${p.name} is not in people: in the config, so I could not find them by that name later — an admin can add them there (name, irc, slack)`);
  return p;
}

/** A mention the asker's platform turns into a real one: the IRC nick on IRC, the name on Slack. */
function mentionOf(ctx: Ctx, p: Person): Inline {
  return mention(ctx.message.platform === 'irc' ? (p.irc ?? p.name) : p.name);
}

/** The channel whose reply mentions an assignee: none for a private exchange, where they see nothing. */
function mentionedIn(ctx: Ctx): string | undefined {
  return ctx.message.direct || ctx.message.privateReply ? undefined : ctx.message.channel;
}

/**
 * Status changes: operators, and the ticket's assignee or reporter (verified).
 * Returns who is acting.
 */
function mayChangeStatus(ctx: Ctx, t: Ticket, verb: string): Person {
  if (roleAtLeast(ctx.role, 'operator')) return actor(ctx);
  const { person: p, why, fix } = whoAmI(ctx);
  if (!p) throw new UserError(`${why} — only operators and the ticket's assignee or reporter can ${verb} it; ${fix} first`);
  if (same(t.assignee, p.name) || same(t.reporter, p.name)) return p;
  throw new UserError(`only an operator, the assignee${t.assignee ? ` (${t.assignee})` : ''} or the reporter (${t.reporter}) can ${verb} #${t.id}; you are ${p.name}, ${ctx.role}`);
}

function eventLine(ctx: Ctx, e: TicketEvent): Inline[] {
  return [tone('muted', formatTime(e.at, ctx.services.timezone)), ' ', ...eventText(e)];
}

/** The brief with the assignee as a mention, for replies that tell someone they have it. */
function briefMentioning(ctx: Ctx, t: Ticket, assignee: Person | undefined): Inline[] {
  const brief = ticketBrief(t).slice(2); // without the leading `#42 `
  if (!assignee || !t.assignee) return brief;
  return brief.flatMap((i) => (i === `→ ${t.assignee}` ? ['→ ', mentionOf(ctx, assignee)] : [i]));
}

function title(t: Ticket): string {
  return oneLine(t.title, 80);
}

// ── !ticket new ─────────────────────────────────────────────────────────

const NEW_OPTIONS = ['prio', 'priority', 'host', 'hosts'];
const NEW_USAGE = 'TITLE… [@ASSIGNEE] [prio=PRIORITY] [host=NAME,…] [-- DESCRIPTION…]';

/** `@Alice Smith` from Slack is two words; the message's mentions say where the name ends. */
function mentionAt(ctx: Ctx, tokens: readonly Token[], i: number): { word: string; used: number } {
  const mentions = [...(ctx.message.mentions ?? [])].sort((a, b) => b.name.length - a.name.length);
  for (const m of mentions) {
    const words = `@${m.name}`.split(/\s+/);
    if (words.length > 1 && words.every((w, k) => same(tokens[i + k]?.value, w) && !tokens[i + k]!.quoted)) return { word: `@${m.name}`, used: words.length };
  }
  return { word: tokens[i]!.value, used: 1 };
}

function parsePriority(word: string): Priority {
  const p = word.toLowerCase();
  if (isPriority(p)) return p;
  const hint = closest(p, PRIORITIES, 1)[0];
  throw new UserError(`unknown priority '${word}'${hint ? ` — did you mean ${hint}?` : ''} (use ${[...PRIORITIES].reverse().join(', ')})`);
}

const create: CommandAction<Services> = {
  summary:
    'Open a ticket. A @name anywhere is the assignee (one; someone else only for operators, @me for anyone); host= relates it to hosts (host=web01,web02 or host= again); words after -- are the description. ' +
    'Anyone may open one; someone not logged in to an account cannot assign it and gets no updates. Quote a word to keep @ or = in the title.',
  usage: NEW_USAGE,
  examples: ['ticket new disk full on web01 @alice prio=high host=web01', 'ticket new replace PSU host=db12 host=db13 -- fan noise since Monday, vendor ticket 1234'],
  role: 'viewer',
  options: { prio: `priority: ${[...PRIORITIES].reverse().join(', ')} (default normal)`, priority: 'same as prio=', host: 'a related host; several: host=web01,web02 or host= again', hosts: 'same as host=' },
  freeText: true,
  run(ctx, args) {
    const usage = `${ctx.prefix}ticket new ${NEW_USAGE}`;
    // ParsedArgs keeps one value per option and drops `--`: `new` reads the words as typed.
    const tokens = args.tokens;
    const titleWords: string[] = [];
    const descWords: string[] = [];
    const hosts: string[] = [];
    let priority: Priority | undefined;
    let assigneeWord: string | undefined;
    let inDescription = false;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (inDescription) {
        descWords.push(t.value);
        continue;
      }
      if (t.value === '--' && !t.quoted) {
        inDescription = true;
        continue;
      }
      const parsed = splitArgs([t], NEW_OPTIONS);
      const [key, value] = Object.entries(parsed.options)[0] ?? [];
      if (key === 'prio' || key === 'priority') {
        const p = parsePriority(value!);
        if (priority !== undefined && priority !== p) throw new UserError(`two priorities, ${priority} and ${p}: give one prio=`);
        priority = p;
      } else if (key === 'host' || key === 'hosts') {
        const names = value!.split(',').map((h) => h.trim()).filter(Boolean);
        if (names.length === 0) throw new UserError(`which host? host=NAME, e.g. host=web01 (${usage})`);
        hosts.push(...names);
      } else if (!t.quoted && /^@[^@\s]/.test(t.value)) {
        const m = mentionAt(ctx, tokens, i);
        if (assigneeWord !== undefined) throw new UserError(`a ticket has one assignee; you named ${assigneeWord} and ${m.word} (quote a word to keep an @ in the title)`);
        assigneeWord = m.word;
        i += m.used - 1;
      } else {
        titleWords.push(t.value);
      }
    }
    const titleText = titleWords.join(' ').trim();
    if (titleText === '') throw new UserError(`a ticket needs a title: ${usage}`);
    const { person: reporter, fix } = whoAmI(ctx);
    if (assigneeWord !== undefined && !ctx.message.user.identity) {
      throw new UserError(`${NOT_IDENTIFIED}, so I will not message ${assigneeWord.slice(1)} for you: open it without the @name, or log in to your account first`);
    }
    const assignee = assigneeWord !== undefined ? personNamed(ctx, assigneeWord, usage) : undefined;
    // Giving someone work is an operator's call, as with `ticket assign`; naming yourself is taking it.
    if (assignee && !roleAtLeast(ctx.role, 'operator') && !same(me(ctx)?.name, assignee.name)) {
      throw new UserError(`assigning someone else needs the operator role; you are ${ctx.role}: open it without ${assigneeWord}, or with @me`);
    }
    const channel = mentionedIn(ctx);
    const t = ctx.services.tickets.create({
      title: titleText,
      ...(descWords.length > 0 && { description: descWords.join(' ') }),
      ...(priority && { priority }),
      reporter: reporter ?? actorOf(ctx),
      ...(assignee && { assignee }),
      ...(hosts.length > 0 && { hosts }),
      ...(channel && { channel }),
    });
    return reply(
      richText(
        line(
          bold(`#${t.id} created:`),
          ' ',
          ...briefMentioning(ctx, t, assignee),
          ...(reporter ? [] : [' ', tone('muted', `(you will get no updates on it; to get them, ${fix})`)]),
        ),
      ),
    );
  },
};

// ── !ticket ID, assign, take ────────────────────────────────────────────

const SUBCOMMANDS = ['new', 'assign', 'take', 'status', 'close', 'reopen', 'comment', 'watch'];

function showTicket(ctx: Ctx, args: ParsedArgs) {
  const { tickets, timezone, links } = ctx.services;
  const [word, ...rest] = args.positional;
  if (word === undefined) throw new UserError(`usage: ${ctx.prefix}ticket ID [--full], or ${ctx.prefix}ticket ${SUBCOMMANDS.join('|')} … (${ctx.prefix}help ticket)`);
  if (!/^#?\d+$/.test(word)) {
    const hint = closest(word.toLowerCase(), SUBCOMMANDS, 1)[0];
    throw new UserError(`'${word}' is neither a ticket number nor a subcommand${hint ? ` — did you mean ${ctx.prefix}ticket ${hint}?` : ''} (${ctx.prefix}help ticket)`);
  }
  const id = ticketId(word, `${ctx.prefix}ticket 42`);
  if (rest.length > 0) {
    const sub = rest[0]!.toLowerCase();
    const hint = SUBCOMMANDS.includes(sub) ? ` — did you mean ${ctx.prefix}ticket ${sub} ${id}${rest.length > 1 ? ' ' + rest.slice(1).join(' ') : ''}?` : '';
    throw new UserError(`usage: ${ctx.prefix}ticket ${id} [--full]${hint}`);
  }
  const t = requireTicket(ctx, id);
  const url = links.ticket(id);
  const head = line(...ticketBrief(t), ...(url ? [' ', link(url)] : []));

  if (!args.flags.has('full')) {
    const events = tickets.timeline(id, RECENT_EVENTS + 1);
    const more = events.length > RECENT_EVENTS || t.description !== '' || t.hosts.length > 3 || tickets.commits(id).length > 0;
    return reply(
      richText(
        head,
        list(events.slice(-RECENT_EVENTS).map((e) => eventLine(ctx, e))),
        ...(more ? [line(tone('muted', `${events.length > RECENT_EVENTS ? 'earlier entries, ' : ''}details: ${ctx.prefix}ticket ${id} --full`))] : []),
      ),
    );
  }

  const blocks: Block[] = [
    head,
    line(
      ...join(
        [
          `reported by ${t.reporter} ${formatTime(t.created_at, timezone)}`,
          t.channel && `in ${t.channel}`,
          `updated ${formatTime(t.updated_at, timezone)}`,
          t.closed_at && `${t.status} ${formatTime(t.closed_at, timezone)}`,
          `priority ${t.priority}`,
        ],
        ' · ',
      ),
    ),
  ];
  if (t.description !== '') blocks.push(line(bold('description: '), t.description));
  if (t.hosts.length > 0) blocks.push(line(bold(`hosts (${t.hosts.length}): `), t.hosts.join(', ')));
  const watchers = tickets.watchers(id);
  blocks.push(line(bold(`watchers (${watchers.length}): `), watchers.length > 0 ? watchers.join(', ') : 'nobody'));
  const commits = tickets.commits(id);
  if (commits.length > 0) {
    blocks.push(
      line(bold(`commits (${commits.length}):`)),
      list(commits.slice(-FULL_COMMITS).map((c) => join([code(c.sha.slice(0, 7)), oneLine(c.subject, 120), `— ${c.author} in ${c.repo}`, c.action === 'close' && tone('muted', '(closes)'), c.url && link(c.url)]))),
    );
    if (commits.length > FULL_COMMITS) blocks.push(line(tone('muted', `…and ${commits.length - FULL_COMMITS} earlier commits`), ...(url ? [': ', link(url)] : [])));
  }
  const events = tickets.timeline(id, ALL_EVENTS);
  blocks.push(line(bold(`timeline (${events.length}):`)));
  if (events.length > FULL_EVENTS) blocks.push(line(tone('muted', `…and ${events.length - FULL_EVENTS} earlier`), ...(url ? [': ', link(url)] : [])));
  blocks.push(list(events.slice(-FULL_EVENTS).map((e) => eventLine(ctx, e))));
  return reply(richText(...blocks), { private: true });
}

const assign: CommandAction<Services> = {
  summary: 'Give a ticket to someone (a nick, a configured name, a Slack @mention). The reply mentions them; they hear privately on their other chats.',
  usage: 'ID NAME',
  examples: ['ticket assign 42 alice', 'ticket assign #42 @bob'],
  role: 'operator',
  run(ctx, args) {
    const usage = `${ctx.prefix}ticket assign 42 NICK`;
    const [word, ...rest] = args.positional;
    const id = ticketId(word, usage);
    if (rest.length === 0) throw new UserError(`assign #${id} to whom? ${ctx.prefix}ticket assign ${id} NICK`);
    const person = personNamed(ctx, rest.join(' '), usage);
    requireTicket(ctx, id);
    const { ticket, previous } = ctx.services.tickets.assign(id, person, actor(ctx), mentionedIn(ctx));
    return reply(richText(line(...join([bold(`#${id}`), 'assigned to', mentionOf(ctx, person), previous && `(was ${previous})`, `— ${title(ticket)}`]))));
  },
};

const take: CommandAction<Services> = {
  summary: "Assign a ticket to yourself (you must be logged in to an account). Someone else's ticket only an operator takes over.",
  usage: 'ID',
  examples: ['ticket take 42'],
  role: 'viewer',
  run(ctx, args) {
    const id = ticketId(args.positional[0], `${ctx.prefix}ticket take 42`);
    if (args.positional.length > 1) throw new UserError(`usage: ${ctx.prefix}ticket take ${id} (to give it to someone else: ${ctx.prefix}ticket assign ${id} NICK)`);
    const person = verified(ctx, 'take a ticket');
    const t = requireTicket(ctx, id);
    if (same(t.assignee, person.name)) throw new UserError(`#${id} is yours already`);
    if (t.assignee && !roleAtLeast(ctx.role, 'operator')) throw new UserError(`#${id} is assigned to ${t.assignee}: ask them, or an operator to reassign it (${ctx.prefix}ticket assign ${id} ${person.name})`);
    const { ticket, previous } = ctx.services.tickets.assign(id, person, person, mentionedIn(ctx));
    return reply(richText(line(...join([bold(`#${id}`), 'is yours now', previous && `(was ${previous})`, `— ${title(ticket)}`]))));
  },
};

// ── status changes ──────────────────────────────────────────────────────

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

const status: CommandAction<Services> = {
  summary: `Set a ticket's status: ${TICKET_STATUSES.join(', ')}, with an optional note. ${PERMISSION_NOTE}`,
  usage: 'ID STATUS [note…]',
  examples: ['ticket status 42 in_progress', 'ticket status 42 resolved rebooted, watching it'],
  role: 'viewer',
  freeText: true,
  run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketId(word, `${ctx.prefix}ticket status 42 in_progress`);
    const { status: to, used } = parseStatus(rest);
    const t = requireTicket(ctx, id);
    const who = mayChangeStatus(ctx, t, 'change the status of');
    const note = rest.slice(used).join(' ').trim();
    const after = ctx.services.tickets.setStatus(id, to, who, note || undefined);
    return reply(richText(line(...join([bold(`#${id}`), 'now', statusLabel(after.status), `— ${title(after)}`]))));
  },
};

const close: CommandAction<Services> = {
  summary: `Close a ticket, with an optional note (found by search). ${PERMISSION_NOTE}`,
  usage: 'ID [note…]',
  examples: ['ticket close 42', 'ticket close 42 replaced the disk'],
  role: 'viewer',
  freeText: true,
  run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketId(word, `${ctx.prefix}ticket close 42 [note]`);
    const t = requireTicket(ctx, id);
    const who = mayChangeStatus(ctx, t, 'close');
    const note = rest.join(' ').trim();
    const after = ctx.services.tickets.setStatus(id, 'closed', who, note || undefined);
    return reply(richText(line(...join([bold(`#${id}`), statusLabel(after.status), `— ${title(after)}`, note && `(${oneLine(note, 80)})`]))));
  },
};

const reopen: CommandAction<Services> = {
  summary: `Open a resolved or closed ticket again, with an optional reason. ${PERMISSION_NOTE}`,
  usage: 'ID [reason…]',
  examples: ['ticket reopen 42 disk full again'],
  role: 'viewer',
  freeText: true,
  run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketId(word, `${ctx.prefix}ticket reopen 42 [reason]`);
    const t = requireTicket(ctx, id);
    if (ACTIVE_STATUSES.includes(t.status)) throw new UserError(`#${id} is ${t.status.replace('_', ' ')}, not resolved or closed: nothing to reopen`);
    const who = mayChangeStatus(ctx, t, 'reopen');
    const note = rest.join(' ').trim();
    const after = ctx.services.tickets.setStatus(id, 'open', who, note || undefined);
    return reply(richText(line(...join([bold(`#${id}`), 'reopened', `— ${title(after)}`]))));
  },
};

// ── comment, watch ──────────────────────────────────────────────────────

const comment: CommandAction<Services> = {
  summary: "Add a comment to a ticket's timeline; its watchers and assignee hear about it privately.",
  usage: 'ID TEXT…',
  examples: ['ticket comment 42 swapped the disk, rebuilding the array'],
  role: 'viewer',
  freeText: true,
  run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketId(word, `${ctx.prefix}ticket comment 42 TEXT`);
    const body = rest.join(' ').trim();
    if (body === '') throw new UserError(`what is the comment? ${ctx.prefix}ticket comment ${id} TEXT`);
    requireTicket(ctx, id);
    const t = ctx.services.tickets.comment(id, actor(ctx), body);
    return reply(text(`#${id}: comment added — ${title(t)}`));
  },
};

const watch: CommandAction<Services> = {
  summary: 'Hear privately about every change to a ticket (you must be logged in to an account).',
  usage: 'ID',
  examples: ['ticket watch 42'],
  role: 'viewer',
  run(ctx, args) {
    const id = ticketId(args.positional[0], `${ctx.prefix}ticket watch 42`);
    if (args.positional.length > 1) throw new UserError(`usage: ${ctx.prefix}ticket watch ${id}`);
    const person = verified(ctx, 'watch a ticket');
    requireTicket(ctx, id);
    const added = ctx.services.tickets.watch(id, person);
    return reply(text(added ? `you are watching #${id}: changes reach you in a private message` : `you are watching #${id} already`));
  },
};

export const ticket: Command<Services> = {
  name: 'ticket',
  summary: 'Show a ticket (42 or #42) with its latest timeline, or open, assign, take, comment, watch and close one.',
  usage: 'ID [--full]',
  examples: ['ticket 42', 'ticket #42 --full'],
  role: 'viewer',
  flags: { full: 'everything (description, hosts, watchers, commits, the whole timeline) in a private reply' },
  run: showTicket,
  subcommands: { new: create, assign, take, status, close, reopen, comment, watch },
};

// ── !tickets ────────────────────────────────────────────────────────────

const LIST_STATUSES = ['active', 'all', ...TICKET_STATUSES] as const;
type ListStatus = (typeof LIST_STATUSES)[number];

export const tickets: Command<Services> = {
  name: 'tickets',
  summary: "List open and in-progress tickets, most urgent first: all, yours, someone's, a host's, or those matching words (titles, descriptions, comments, close notes).",
  usage: '[mine|@NAME|search WORDS…] [host=NAME] [status=STATUS] [--all] [--full]',
  examples: ['tickets', 'tickets mine', 'tickets @alice', 'tickets host=web01', 'tickets search disk full --all'],
  role: 'viewer',
  options: { host: 'tickets related to this host', status: `active (open and in progress, the default), all, ${TICKET_STATUSES.join(', ')}` },
  flags: { all: 'include resolved and closed tickets', full: `up to ${FULL_LIST} tickets in a private reply instead of ${CHANNEL_LINES} here` },
  freeText: true,
  run(ctx, args) {
    const usage = `${ctx.prefix}tickets [mine|@NAME|search WORDS] [host=NAME] [--all]`;
    const { tickets: service, links } = ctx.services;
    const filter: TicketFilter = {};
    const about: (string | false)[] = [];

    let listStatus: ListStatus = 'active';
    if (args.options.status !== undefined) {
      const s = args.options.status.toLowerCase().replace('-', '_');
      if (!(LIST_STATUSES as readonly string[]).includes(s)) {
        const hint = closest(s, LIST_STATUSES, 1)[0];
        throw new UserError(`unknown status '${args.options.status}'${hint ? ` — did you mean ${hint}?` : ''} (use ${LIST_STATUSES.join(', ')})`);
      }
      if (args.flags.has('all') && s !== 'all') throw new UserError(`--all and status=${s} contradict each other: give one`);
      listStatus = s as ListStatus;
    } else if (args.flags.has('all')) listStatus = 'all';
    filter.status = listStatus;

    const [first, ...rest] = args.positional;
    if (first !== undefined) {
      if (same(first, 'mine')) {
        if (rest.length > 0) throw new UserError(`usage: ${usage}`);
        const person = verified(ctx, `see your tickets (or ask for ${ctx.prefix}tickets @NICK)`);
        filter.assignee = person.name;
        about.push(`assigned to you (${person.name})`);
      } else if (first.startsWith('@')) {
        const person = personNamed(ctx, [first, ...rest].join(' '), usage, false);
        filter.assignee = person.name;
        about.push(`assigned to ${person.name}`);
      } else if (same(first, 'search')) {
        if (rest.length === 0) throw new UserError(`search for what? ${ctx.prefix}tickets search WORDS, e.g. ${ctx.prefix}tickets search disk full`);
        filter.search = rest.join(' ');
        about.push(`matching "${oneLine(filter.search, 60)}"`);
      } else {
        const eq = first.indexOf('=');
        const hint = eq > 0 ? closest(first.slice(0, eq).toLowerCase(), ['host', 'status'], 1)[0] : undefined;
        throw new UserError(
          hint
            ? `'${tickets.name}' has no option '${first.slice(0, eq)}' — did you mean '${hint}'? (${usage})`
            : `'${first}' is not a filter: ${ctx.prefix}tickets @${first} lists someone's tickets, ${ctx.prefix}tickets search ${first} finds words (${usage})`,
        );
      }
    }
    if (args.options.host !== undefined) {
      const server = service.server(args.options.host);
      filter.serverId = server.id;
      about.push(`on ${server.name}`);
    }

    const full = args.flags.has('full');
    const { total, tickets: shown } = service.list(filter, full ? FULL_LIST : CHANNEL_LINES);
    const what = listStatus === 'active' ? 'active ticket' : listStatus === 'all' ? 'ticket' : `${listStatus.replace('_', ' ')} ticket`;
    const qualifiers = [...about, listStatus === 'all' && '(any status)'].filter(Boolean).join(' ');
    if (total === 0) {
      const hint = listStatus === 'active' ? ' (--all includes resolved and closed)' : '';
      return reply(text(`no ${what}s${qualifiers ? ' ' + qualifiers : ''}${hint}`));
    }
    const head = line(bold(`${total} ${what}${total === 1 ? '' : 's'}`), qualifiers ? ` ${qualifiers}` : '', ':');
    const hidden = total - shown.length;
    const params = new URLSearchParams({
      status: listStatus,
      ...(filter.assignee !== undefined && { assignee: filter.assignee }),
      ...(args.options.host !== undefined && { host: args.options.host }),
      ...(filter.search !== undefined && { q: filter.search }),
    });
    let more: Block | null = null;
    if (hidden > 0) {
      const url = links.tickets(params);
      more = full || url ? moreLine(hidden, url) : line(`…and ${hidden} more (add --full for up to ${FULL_LIST} in a private message)`);
    }
    return reply(richText(head, list(shown.map((t) => ticketBrief(t))), ...(more ? [more] : [])), full ? { private: true } : {});
  },
};
