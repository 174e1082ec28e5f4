import type { CommandContext } from '../../src/chat/command.js';

/** Who did it, for history and acks: the verified identity when there is one, else the nick as seen. */
export function actorOf(ctx: CommandContext<unknown>): string {
  const { user, platform } = ctx.message;
  return user.identity ?? `${platform}:nick:${user.name}`;
}
