import { reply, type Command } from '../src/chat/command.js';
import { text } from '../src/chat/rich-text.js';
import type { Services } from '../src/services.js';

export const whoami: Command<Services> = {
  name: 'whoami',
  summary: 'Show the identity the bot verified for you and the role it grants.',
  usage: '',
  examples: ['whoami'],
  role: 'viewer',
  run(ctx) {
    const { user } = ctx.message;
    const who = user.identity ? `${user.name} is ${user.identity}` : `${user.name} is not identified (not logged in to an account)`;
    return reply(text(`${who}; role: ${ctx.role}`));
  },
};
