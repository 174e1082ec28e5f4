import { reply, UsageError, type Command } from '../../src/chat/command.js';
import type { ParsedArgs } from '../../src/chat/command-line.js';
import { bold, code, join, line, link, list, richText, tone, type Block } from '../../src/chat/rich-text.js';
import { closest } from '../../src/chat/suggest.js';
import { oneLine, ticketBrief } from '../../src/domain/tickets/format.js';
import { UserError } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { formatTime } from '../../src/time/format.js';
import { assign, close, reopen, status, take } from './change.js';
import { comment, watch } from './comment.js';
import { requireTicket, ticketNumber, type Ctx } from './context.js';
import { eventLine } from './format.js';
import { create } from './new.js';

/** `!ticket ID`: one ticket; the subcommands open and change them. */

/** Timeline entries `!ticket 42` shows; `--full` shows up to FULL_EVENTS. */
const RECENT_EVENTS = 3;
const FULL_EVENTS = 50;
/** Linked commits `--full` lists, the latest. */
const FULL_COMMITS = 20;
/** What `--full` reads of a timeline: far more than any ticket has. */
const ALL_EVENTS = 100_000;

async function showTicket(ctx: Ctx, args: ParsedArgs) {
  const { tickets, timezone, links } = ctx.services;
  const subcommands = Object.keys(ticket.subcommands ?? {});
  const [word, ...rest] = args.positional;
  if (word === undefined) throw new UsageError(undefined, { subcommands: true, hint: `(${ctx.prefix}help ticket)` });
  if (!/^#?\d+$/.test(word)) {
    const hint = closest(word.toLowerCase(), subcommands, 1)[0];
    throw new UserError(`'${word}' is neither a ticket number nor a subcommand${hint ? ` — did you mean ${ctx.prefix}ticket ${hint}?` : ''} (${ctx.prefix}help ticket)`);
  }
  const id = ticketNumber(word);
  if (rest.length > 0) {
    const sub = rest[0]!.toLowerCase();
    const hint = subcommands.includes(sub) ? `— did you mean ${ctx.prefix}ticket ${sub} ${id}${rest.length > 1 ? ' ' + rest.slice(1).join(' ') : ''}?` : undefined;
    throw new UsageError(undefined, hint ? { hint } : {});
  }
  const t = await requireTicket(ctx, id);
  const url = links.ticket(id);
  const head = line(...ticketBrief(t), ...(url ? [' ', link(url)] : []));

  if (!args.flags.has('full')) {
    const events = await tickets.timeline(id, RECENT_EVENTS + 1);
    const more = events.length > RECENT_EVENTS || t.description !== '' || t.hosts.length > 3 || (await tickets.commits(id)).length > 0;
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
  const watchers = await tickets.watchers(id);
  blocks.push(line(bold(`watchers (${watchers.length}): `), watchers.length > 0 ? watchers.join(', ') : 'nobody'));
  const commits = await tickets.commits(id);
  if (commits.length > 0) {
    blocks.push(
      line(bold(`commits (${commits.length}):`)),
      list(commits.slice(-FULL_COMMITS).map((c) => join([code(c.sha.slice(0, 7)), oneLine(c.subject, 120), `— ${c.author} in ${c.repo}`, c.action === 'close' && tone('muted', '(closes)'), c.url && link(c.url)]))),
    );
    if (commits.length > FULL_COMMITS) blocks.push(line(tone('muted', `…and ${commits.length - FULL_COMMITS} earlier commits`), ...(url ? [': ', link(url)] : [])));
  }
  const events = await tickets.timeline(id, ALL_EVENTS);
  blocks.push(line(bold(`timeline (${events.length}):`)));
  if (events.length > FULL_EVENTS) blocks.push(line(tone('muted', `…and ${events.length - FULL_EVENTS} earlier`), ...(url ? [': ', link(url)] : [])));
  blocks.push(list(events.slice(-FULL_EVENTS).map((e) => eventLine(ctx, e))));
  return reply(richText(...blocks), { private: true });
}

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
