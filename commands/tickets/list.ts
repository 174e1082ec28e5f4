import { reply, UsageError, type Command } from '../../src/chat/command.js';
import { bold, line, list, richText, text, type Block } from '../../src/chat/rich-text.js';
import { closest } from '../../src/chat/suggest.js';
import { sameName } from '../../src/domain/people.js';
import { oneLine, ticketBrief } from '../../src/domain/tickets/format.js';
import { TICKET_STATUSES, type TicketFilter } from '../../src/domain/tickets/model.js';
import { UserError } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { moreLine } from '../format/more.js';
import { personNamed, rules } from './context.js';

/** `!tickets`: lists, filtered by person, host, status or words. */

/** Tickets listed in a channel; `--full` sends up to FULL_LIST privately. */
const CHANNEL_LINES = 5;
const FULL_LIST = 50;

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
  async run(ctx, args) {
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
      if (sameName(first, 'mine')) {
        if (rest.length > 0) throw new UsageError();
        const person = rules(ctx).verified(`see your tickets (or ask for ${ctx.prefix}tickets @NICK)`);
        filter.assignee = person.name;
        about.push(`assigned to you (${person.name})`);
      } else if (first.startsWith('@')) {
        const person = personNamed(ctx, [first, ...rest].join(' '), false);
        filter.assignee = person.name;
        about.push(`assigned to ${person.name}`);
      } else if (sameName(first, 'search')) {
        if (rest.length === 0) throw new UsageError('search for what?', { example: 'search' });
        filter.search = rest.join(' ');
        about.push(`matching "${oneLine(filter.search, 60)}"`);
      } else {
        // A free-text command keeps a mistyped `key=value` as a word.
        const eq = first.indexOf('=');
        const hint = eq > 0 ? closest(first.slice(0, eq).toLowerCase(), Object.keys(tickets.options ?? {}), 1)[0] : undefined;
        throw new UsageError(
          hint
            ? `'${tickets.name}' has no option '${first.slice(0, eq)}' — did you mean '${hint}'?`
            : `'${first}' is not a filter: ${ctx.prefix}tickets @${first} lists someone's tickets, ${ctx.prefix}tickets search ${first} finds words`,
        );
      }
    }
    if (args.options.host !== undefined) {
      const server = await service.server(args.options.host);
      filter.serverId = server.id;
      about.push(`on ${server.name}`);
    }

    const full = args.flags.has('full');
    const { total, tickets: shown } = await service.list(filter, full ? FULL_LIST : CHANNEL_LINES);
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
