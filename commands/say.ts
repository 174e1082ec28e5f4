import { reply, UsageError, type Command } from '../src/chat/command.js';
import { parseChannelAddress } from '../src/chat/message.js';
import { text } from '../src/chat/rich-text.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';

export const say: Command<Services> = {
  name: 'say',
  summary: 'Post a message to a channel, as the bot.',
  usage: 'CHANNEL TEXT…',
  examples: ['say irc:#ops "db12 failover starts in 5 minutes"'],
  role: 'operator',
  freeText: true,
  async run(ctx, args) {
    const [channel, ...words] = args.positional;
    if (!channel || words.length === 0) throw new UsageError();
    if (!parseChannelAddress(channel)) throw new UserError(`'${channel}' is not a channel address: use irc:#name, slack:#name, slack:CXXXX or console`);
    await ctx.post(channel, text(words.join(' ')));
    return reply(text(`queued for ${channel}`));
  },
};
