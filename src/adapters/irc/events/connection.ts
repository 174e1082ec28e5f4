import type { Client } from 'irc-framework';
import type { IrcSession } from './session.js';

/** Registration, the services login, and the end of the connection. */
export function bindConnectionEvents(client: Client, irc: IrcSession): void {
  client.connection.on('raw', (e) => {
    // Lines the library writes itself (JOIN, PONG, WHOIS) count against the same flood budget.
    if (!e.from_server && !irc.writingFromQueue) irc.queue.spend(1);
  });
  client.on('loggedin', (e: { account: string }) => {
    irc.saslOk = true;
    irc.account = e.account;
    irc.log.info({ account: e.account }, 'logged in to services');
  });
  client.on('sasl failed', (e: { reason: string }) => irc.log.warn({ reason: e.reason }, 'SASL login failed; trying NickServ'));
  client.on('registered', (e: { nick: string }) => irc.onRegistered(client, e.nick));
  client.on('close', () => irc.onClose(client));
  client.on('socket close', (err?: Error) => irc.onClose(client, err));
}
