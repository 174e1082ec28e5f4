import { reply, type Command } from '../src/chat/command.js';
import { helpFor, helpIndex } from '../src/chat/help.js';
import { closest } from '../src/chat/suggest.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';

export const help: Command<Services> = {
  name: 'help',
  aliases: ['commands'],
  summary: 'List the commands, or show how to use one.',
  usage: '[COMMAND]',
  examples: ['help', 'help server'],
  role: 'viewer',
  run(ctx, args) {
    const wanted = args.positional[0]?.replace(ctx.prefix, '').toLowerCase();
    if (wanted === undefined) return reply(helpIndex(ctx.commands, ctx.prefix, ctx.role));
    const command = ctx.commands.find((c) => c.name === wanted || c.aliases?.includes(wanted));
    if (!command) {
      const hint = closest(wanted, ctx.commands.map((c) => c.name), 1)[0];
      throw new UserError(`no command '${wanted}'${hint ? ` — did you mean '${hint}'?` : ''} (${ctx.prefix}help lists commands)`);
    }
    return reply(helpFor(command, ctx.prefix));
  },
};
