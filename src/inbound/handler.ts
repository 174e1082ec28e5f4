import type { Logger } from 'pino';
import type { Bridge } from '../bridge/bridge.js';
import type { Dispatcher } from '../chat/dispatcher.js';
import type { InboundMessage } from '../chat/message.js';
import { PerKeyOrder } from '../chat/per-key-order.js';
import type { RichText } from '../chat/rich-text.js';
import type { Outbox } from '../delivery/outbox.js';

/**
 * What happens to every message an adapter receives: a command is run and
 * its reply goes to the outbox, addressed back to where it was typed (or to
 * the user alone when the reply is private); in a bridged channel the
 * message and the reply are relayed too.
 */
export function createInboundHandler<S>(deps: {
  dispatcher: Dispatcher<S>;
  outbox: Outbox;
  bridge?: Bridge;
  log: Logger;
  /** What the bot adds to conversation that is not a command (ticket previews for `#42`). */
  conversation?: (msg: InboundMessage) => RichText[] | Promise<RichText[]>;
}): (msg: InboundMessage) => Promise<void> {
  // Commands from one channel are answered in the order they were typed,
  // even when an earlier one takes longer. The dispatcher catches command
  // errors: what fails here is the store.
  const order = new PerKeyOrder((err, channel) => deps.log.error({ err, channel }, 'could not handle an inbound message'));
  return (msg) => order.run(msg.channel, () => handleOne(msg));

  async function handleOne(msg: InboundMessage): Promise<void> {
    // A command typed in a bridged channel is a message too: the other side reads it.
    await deps.bridge?.relayMessage(msg);
    // An edit is shown to the other side; it does not run the command again. Bots never run commands.
    if (msg.edited || msg.fromBot) return;
    const reply = await deps.dispatcher.handle(msg);
    if (!reply) {
      for (const body of (await deps.conversation?.(msg)) ?? []) {
        await deps.bridge?.relayReply(msg, { body, ok: true });
        await deps.outbox.enqueue({ channel: msg.channel, body, ...(msg.thread !== undefined && { thread: msg.thread }) });
      }
      return;
    }
    await deps.bridge?.relayReply(msg, reply);
    await deps.outbox.enqueue({
      channel: msg.channel,
      body: reply.body,
      ...(msg.thread !== undefined && { thread: msg.thread }),
      // The asker gets long replies privately, where a platform cuts them short in channel.
      asker: msg.user.id,
      ...(((reply.private && !msg.direct) || msg.privateReply) && { recipient: msg.user.id }),
    });
  }
}
