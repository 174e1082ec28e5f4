import type { Client } from 'irc-framework';
import type { IrcSession } from './session.js';

/** Our nick: another one while the configured one is taken or too long, and the configured one back once it is free. */
export function bindNickEvents(client: Client, irc: IrcSession): void {
  client.on('nick invalid', () => {
    // Too long for this server (ngircd cuts at 9 by default): shorten and retry.
    if (irc.registered) return;
    irc.currentNick = irc.currentNick.length > 2 ? irc.currentNick.slice(0, -2) + '_' : `ob${Math.floor(Math.random() * 1000)}`;
    client.changeNick(irc.currentNick);
  });
  client.on('nick in use', () => {
    if (!irc.registered) {
      irc.currentNick = alternateNick(irc.currentNick);
      client.changeNick(irc.currentNick);
    }
  });
  client.on('nick', (e: { nick: string; new_nick: string }) => {
    if (e.nick === irc.currentNick) {
      irc.currentNick = e.new_nick;
      irc.onNick?.(e.new_nick);
      irc.log.info({ nick: e.new_nick }, 'nick changed');
    }
    if (e.nick.toLowerCase() === irc.settings.nick.toLowerCase()) regainNick(irc);
  });
  client.on('quit', (e: { nick: string }) => {
    if (e.nick.toLowerCase() === irc.settings.nick.toLowerCase()) regainNick(irc);
  });
}

/** Asks for the configured nick, when registered under another one. */
export function regainNick(irc: IrcSession): void {
  const client = irc.client;
  if (!client || !irc.registered || irc.currentNick === irc.settings.nick) return;
  client.changeNick(irc.settings.nick);
}

function alternateNick(current: string): string {
  return current.length < 30 ? current + '_' : current.slice(0, 27) + Math.floor(Math.random() * 1000);
}
