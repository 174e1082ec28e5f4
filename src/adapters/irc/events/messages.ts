import type { Client, MessageEvent } from 'irc-framework';
import { line, richText } from '../../../chat/rich-text.js';
import { PermanentDeliveryError } from '../../adapter.js';
import { inlinesFromIrc, leadingMention } from '../from-irc.js';
import { isChannel, isValidTarget } from '../targets.js';
import { accountOf } from './accounts.js';
import type { IrcSession } from './session.js';

/** Messages and CTCP requests in; the echoes and refusals that confirm or fail our own. */
export function bindMessageEvents(client: Client, irc: IrcSession): void {
  client.on('privmsg', (e: MessageEvent) => inOrder(irc, client, e, false));
  client.on('action', (e: MessageEvent) => inOrder(irc, client, e, true));
  client.on('ctcp request', (e: { nick: string; type: string; message: string; target: string }) => onCtcp(irc, e));
  client.on('irc error', (e: { error: string; channel?: string; nick?: string; reason?: string }) => {
    irc.log.warn({ error: e.error, channel: e.channel, nick: e.nick, reason: e.reason }, 'IRC error');
    // The server refused a message: no echo will come for it.
    const target = e.channel ?? e.nick;
    if (target && ['cannot_send_to_channel', 'cannot_send_to_user', 'no_such_nick'].includes(e.error)) {
      // A nick that is gone or refuses us will not change its mind; a channel may (+m, bans).
      const reason = `${e.error}: ${e.reason ?? target}`;
      irc.echoes.refused(target, e.error === 'cannot_send_to_channel' ? new Error(reason) : new PermanentDeliveryError(reason));
    }
  });
}

/**
 * Messages of one channel are handed on in the order they arrived, even
 * when one waits for a WHOIS and the next does not: a bridged
 * conversation must read the same on the other side.
 */
function inOrder(irc: IrcSession, client: Client, e: MessageEvent, action: boolean): void {
  const key = (isChannel(e.target) ? e.target : e.nick ?? '').toLowerCase();
  void irc.inbound.run(key, () => onPrivmsg(irc, client, e, action));
}

async function onPrivmsg(irc: IrcSession, client: Client, e: MessageEvent, action: boolean): Promise<void> {
  if (e.nick && e.nick.toLowerCase() === irc.currentNick.toLowerCase()) {
    if (!action) irc.echoes.echoed(e.target, e.message);
    return;
  }
  // `PRIVMSG @#ops` is for channel operators only: never relay or answer it in the open.
  if (!e.nick || ignored(irc, e.nick) || (e as MessageEvent & { group?: string }).group) return;
  const inChannel = isChannel(e.target);
  const account = await accountOf(irc, client, e);
  irc.onMessage({
    platform: 'irc',
    channel: `irc:${inChannel ? e.target : e.nick}`,
    rich: richText(line(...leadingMention(inlinesFromIrc(e.message)))),
    user: { id: e.nick, name: e.nick, ...(account && { identity: `irc:account:${account}` }) },
    text: e.message,
    ...(!inChannel && { direct: true }),
    ...(action && { action: true }),
    receivedAt: e.time ? new Date(e.time) : irc.clock.now(),
  });
}

/**
 * VERSION and PING get an answer, through the send queue and at most a few
 * a minute, so a CTCP flood cannot make the bot flood itself off the
 * server. Everything else is ignored.
 */
function onCtcp(irc: IrcSession, e: { nick: string; type: string; message: string; target: string }): void {
  if (isChannel(e.target) && e.type !== 'VERSION') return;
  if (ignored(irc, e.nick) || !isValidTarget(e.nick) || !irc.ctcpBudget.take()) return;
  let reply: string | null = null;
  if (e.type === 'VERSION') reply = 'VERSION opsbridge';
  else if (e.type === 'PING') reply = e.message.slice(0, 64);
  if (reply === null) return;
  void irc.queue.enqueue(e.nick, [`NOTICE ${e.nick} :\x01${reply.replace(/[\x00-\x1f]/g, '')}\x01`]).catch(() => {});
}

function ignored(irc: IrcSession, nick: string): boolean {
  return irc.settings.ignore.some((glob) => globMatch(glob, nick));
}

function globMatch(glob: string, s: string): boolean {
  const re = new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
  return re.test(s);
}
