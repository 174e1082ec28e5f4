import { reply, UsageError, type CommandAction } from '../../src/chat/command.js';
import { text } from '../../src/chat/rich-text.js';
import type { Services } from '../../src/services.js';
import { requireTicket, rules, ticketNumber } from './context.js';
import { title } from './format.js';

/** Taking part in a ticket without changing it: `!ticket comment`, `watch`. */

export const comment: CommandAction<Services> = {
  summary: "Add a comment to a ticket's timeline; its watchers and assignee hear about it privately.",
  usage: 'ID TEXT…',
  examples: ['ticket comment 42 swapped the disk, rebuilding the array'],
  role: 'viewer',
  freeText: true,
  async run(ctx, args) {
    const [word, ...rest] = args.positional;
    const id = ticketNumber(word);
    const body = rest.join(' ').trim();
    if (body === '') throw new UsageError('what is the comment?');
    await requireTicket(ctx, id);
    const t = await ctx.services.tickets.comment(id, rules(ctx).actor(), body);
    return reply(text(`#${id}: comment added — ${title(t)}`));
  },
};

export const watch: CommandAction<Services> = {
  summary: 'Hear privately about every change to a ticket (you must be logged in to an account).',
  usage: 'ID',
  examples: ['ticket watch 42'],
  role: 'viewer',
  async run(ctx, args) {
    const id = ticketNumber(args.positional[0]);
    if (args.positional.length > 1) throw new UsageError();
    const person = rules(ctx).verified('watch a ticket');
    await requireTicket(ctx, id);
    const added = await ctx.services.tickets.watch(id, person);
    return reply(text(added ? `you are watching #${id}: changes reach you in a private message` : `you are watching #${id} already`));
  },
};
