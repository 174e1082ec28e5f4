import type { Logger } from 'pino';
import type { Bridge } from '../bridge/bridge.js';
import type { Outbox } from '../delivery/outbox.js';
import type { Dispatcher } from './dispatcher.js';
import type { InboundMessage } from './message.js';
import type { RichText } from './rich-text.js';

/**
 * What happens to every message an adapter receives: a command is run and
 * its reply goes to the outbox, addressed back to where it was typed (or to
 * the user alone when the reply is private). The bridge hooks in here later.
 */
export function createInboundHandler<S>(deps: {
  dispatcher: Dispatcher<S>;
  outbox: Outbox;
  bridge?: Bridge;
  log: Logger;
  /** What the bot adds to conversation that is not a command (ticket previews for `#42`). */
  conversation?: (msg: InboundMessage) => RichText[];
}): (msg: InboundMessage) => Promise<void> {
  // Commands from one channel are answered in the order they were typed,
  // even when an earlier one takes longer.
  const queues = new Map<string, Promise<void>>();
  return (msg) => {
    const prev = queues.get(msg.channel) ?? Promise.resolve();
    const next = prev.then(() => handleOne(msg));
    queues.set(msg.channel, next);
    void next.then(() => {
      if (queues.get(msg.channel) === next) queues.delete(msg.channel);
    });
    return next;
  };

  async function handleOne(msg: InboundMessage): Promise<void> {
    try {
      // A command typed in a bridged channel is a message too: the other side reads it.
      deps.bridge?.relayMessage(msg);
      // An edit is shown to the other side; it does not run the command again. Bots never run commands.
      if (msg.edited || msg.fromBot) return;
      const reply = await deps.dispatcher.handle(msg);
      if (!reply) {
        for (const body of deps.conversation?.(msg) ?? []) {
          deps.bridge?.relayReply(msg, { body, ok: true });
          deps.outbox.enqueue({ channel: msg.channel, body, ...(msg.thread !== undefined && { thread: msg.thread }) });
        }
        return;
      }
      deps.bridge?.relayReply(msg, reply);
      deps.outbox.enqueue({
        channel: msg.channel,
        body: reply.body,
        ...(msg.thread !== undefined && { thread: msg.thread }),
        // The asker gets long replies privately, where a platform cuts them short in channel.
        asker: msg.user.id,
        ...(((reply.private && !msg.direct) || msg.privateReply) && { recipient: msg.user.id }),
      });
    } catch (err) {
      // The dispatcher catches command errors; this is the store failing.
      deps.log.error({ err, channel: msg.channel }, 'could not handle an inbound message');
    }
  }
}
