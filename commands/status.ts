import { reply, type Command } from '../src/chat/command.js';
import { text } from '../src/chat/rich-text.js';
import { describeCluster } from '../src/leadership/describe.js';
import type { Services } from '../src/services.js';

export const status: Command<Services> = {
  name: 'status',
  summary: 'Show which node of the bot leads (holds the chat connections), since when, and its lease epoch.',
  usage: '',
  examples: ['status'],
  role: 'viewer',
  async run(ctx) {
    const { cluster } = ctx.services;
    return reply(text(describeCluster(await cluster.status(), cluster.engine, ctx.services.timezone)));
  },
};

