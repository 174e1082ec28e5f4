import type { Client } from 'irc-framework';
import type { IrcSession } from './session.js';

/** The bot's own joins, parts and kicks: a channel's lines wait in the send queue while the bot is not in it. */
export function bindChannelEvents(client: Client, irc: IrcSession): void {
  client.on('join', (e: { nick: string; ident: string; hostname: string; channel: string }) => {
    if (e.nick !== irc.currentNick) return;
    irc.userhost = `${e.ident}@${e.hostname}`;
    irc.joined.add(e.channel.toLowerCase());
    irc.queue.release(e.channel);
    irc.log.info({ channel: e.channel }, 'joined');
  });
  client.on('kick', (e: { kicked: string; channel: string; nick: string; message: string }) => {
    if (e.kicked !== irc.currentNick) return;
    leftChannel(irc, e.channel);
    irc.log.warn({ channel: e.channel, by: e.nick, reason: e.message }, 'kicked; rejoining shortly');
    irc.later(() => join(irc, e.channel), irc.settings.rejoinDelayMs);
  });
  client.on('part', (e: { nick: string; channel: string }) => {
    if (e.nick === irc.currentNick) leftChannel(irc, e.channel);
  });
}

/** Joins every configured channel the bot is not in. */
export function joinMissing(irc: IrcSession): void {
  for (const c of irc.channels.values()) join(irc, c.name);
}

function join(irc: IrcSession, channel: string): void {
  const c = irc.channels.get(channel.toLowerCase());
  if (!c || !irc.registered || irc.joined.has(channel.toLowerCase())) return;
  irc.client?.join(c.name, c.key);
}

function leftChannel(irc: IrcSession, channel: string): void {
  irc.joined.delete(channel.toLowerCase());
  irc.queue.hold(channel);
}
