import { readFileSync } from 'node:fs';
import { Client } from 'irc-framework';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../chat/message.js';
import { parseChannelAddress } from '../../chat/message.js';
import { PerKeyOrder } from '../../chat/per-key-order.js';
import type { Clock } from '../../clock.js';
import { PermanentDeliveryError, type AdapterStatus, type ChatAdapter, type OutboundMessage } from '../adapter.js';
import { FatalError } from '../../errors.js';
import { AccountCache } from './accounts.js';
import { reconnectDelay } from '../backoff.js';
import { EchoTracker } from './echo-tracker.js';
import { accountTarget, bindAccountEvents } from './events/accounts.js';
import { bindChannelEvents, joinMissing } from './events/channels.js';
import { bindConnectionEvents } from './events/connection.js';
import { bindMessageEvents } from './events/messages.js';
import { bindNickEvents, regainNick } from './events/nick.js';
import type { IrcSession } from './events/session.js';
import { noPing, renderIrc } from './irc-render.js';
import type { IrcSettings } from './settings.js';
import { TokenBudget } from './token-budget.js';
import { splitLine } from './line-split.js';
import { SendQueue } from './send-queue.js';
import { isChannel, isValidTarget } from './targets.js';
import { transportWithCa } from './tls-transport.js';

export interface IrcAdapterOptions {
  settings: IrcSettings;
  clock: Clock;
  log: Logger;
  /** Told the bot's current nick, so `nick: command` addresses it. */
  onNick?: (nick: string) => void;
  /**
   * Asked before each queued line goes on the wire; while false, lines stay
   * queued (and fail when the adapter stops). A redundant pair's leader
   * says false once its lease may have run out.
   */
  mayWrite?: () => boolean;
}

const REGAIN_NICK_MS = 30_000;
const REJOIN_CHECK_MS = 60_000;
/** What the server shows of us before we have seen it: the longest host a server puts in a prefix. */
const UNKNOWN_USERHOST = 10 + 1 + 63;

/**
 * IRC through irc-framework: connection, reconnection, identity from
 * services accounts, and every outgoing line through one throttled queue.
 * Knows nothing of servers, alerts or tickets. What the server reports is
 * handled by event group (events/), on the state this class holds.
 */
export class IrcAdapter implements ChatAdapter, IrcSession {
  readonly platform = 'irc' as const;
  readonly settings: IrcSettings;
  readonly log: Logger;
  readonly clock: Clock;
  client: Client | undefined;
  readonly queue: SendQueue;
  readonly accounts: AccountCache;
  readonly echoes = new EchoTracker();
  readonly whoisWaiters = new Map<string, ((account: string | null) => void)[]>();
  readonly channels: Map<string, { name: string; key?: string }>;
  readonly joined = new Set<string>();
  readonly ctcpBudget = new TokenBudget(3, 1 / 10);
  readonly inbound = new PerKeyOrder((err) => this.log.error({ err }, 'IRC message dropped by an error'));
  registered = false;
  currentNick: string;
  userhost: string | null = null;
  saslOk = false;
  account: string | null = null;
  writingFromQueue = false;
  readonly onNick: ((nick: string) => void) | undefined;
  private readonly mayWrite: () => boolean;
  onMessage: (msg: InboundMessage) => void = () => {};
  private stopping = false;
  private attempt = 0;
  private timers = new Set<NodeJS.Timeout>();
  private intervals: NodeJS.Timeout[] = [];
  /** Set by stop() to learn when the QUIT has closed the connection. */
  private onClosed: (() => void) | undefined;
  private readonly ca: string | undefined;

  constructor(opts: IrcAdapterOptions) {
    this.settings = opts.settings;
    this.clock = opts.clock;
    this.onNick = opts.onNick;
    this.mayWrite = opts.mayWrite ?? (() => true);
    this.currentNick = this.settings.nick;
    // Read once: a file gone at reconnect time must not kill the process.
    if (this.settings.tls && this.settings.caFile) {
      try {
        this.ca = readFileSync(this.settings.caFile, 'utf8');
      } catch (err) {
        throw new FatalError(`irc.ca_file: cannot read ${this.settings.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 2);
      }
    }
    this.log = opts.log.child({ adapter: 'irc' });
    const now = () => opts.clock.now().getTime();
    this.queue = new SendQueue({ burst: this.settings.flood.burst, rate: this.settings.flood.rate });
    this.accounts = new AccountCache(now);
    this.channels = new Map(
      this.settings.channels.map((c) => (typeof c === 'string' ? { name: c } : c)).map((c) => [c.name.toLowerCase(), c]),
    );
    for (const c of this.channels.keys()) this.queue.hold(c);
  }

  get nick(): string {
    return this.currentNick;
  }

  async start(onMessage: (msg: InboundMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    this.stopping = false;
    this.connect();
    this.intervals.push(setInterval(() => regainNick(this), REGAIN_NICK_MS), setInterval(() => joinMissing(this), REJOIN_CHECK_MS));
    for (const i of this.intervals) i.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const i of this.intervals) clearInterval(i);
    this.intervals = [];
    const stopped = new Error('IRC adapter stopped');
    this.echoes.failAll(stopped);
    this.queue.failAll(stopped);
    const client = this.client;
    if (client?.connection.connected) {
      await new Promise<void>((resolve) => {
        const done = setTimeout(resolve, 2_000);
        this.onClosed = () => {
          clearTimeout(done);
          resolve();
        };
        client.quit('opsbridge stopping');
      });
    }
    client?.removeAllListeners();
  }

  isReady(): boolean {
    return this.registered;
  }

  /** One flood budget for the connection: every channel shares it. */
  sendRate(): { burst: number; perSecond: number } {
    return { burst: this.settings.flood.burst, perSecond: this.settings.flood.rate };
  }

  status(): AdapterStatus {
    return {
      connected: this.registered,
      queued: this.queue.depth(),
      nick: this.nick,
      account: this.account,
      channels: [...this.joined],
    };
  }

  async send(msg: OutboundMessage): Promise<void> {
    const addr = parseChannelAddress(msg.channel);
    if (!addr || addr.platform !== 'irc') throw new Error(`not an IRC address: ${msg.channel}`);
    const target = msg.recipient ?? (await accountTarget(this, addr.target));
    if (!isValidTarget(target)) throw new PermanentDeliveryError(`not a valid IRC target: ${JSON.stringify(target)}`);
    if (isChannel(target) && !this.channels.has(target.toLowerCase())) {
      throw new PermanentDeliveryError(`not configured to be in ${target}: add it to irc.channels`);
    }
    // A relayed message shows its author: `<name> text`, or `* name text` for a /me.
    const author = msg.author === undefined ? '' : msg.action ? `* ${noPing(msg.author)} ` : `<${noPing(msg.author)}> `;
    const budget = this.maxPayload(target) - Buffer.byteLength(author);
    const lines = renderIrc(msg.body, { formatting: this.settings.formatting }).flatMap((l) => splitLine(l, budget).map((piece) => author + piece));
    const urgent = msg.priority > 0;
    const max = this.settings.maxChannelLines;
    let shown = lines;
    if (isChannel(target) && lines.length > max) {
      shown = lines.slice(0, max - 1);
      const rest = lines.length - shown.length;
      if (msg.asker && isValidTarget(msg.asker) && !isChannel(msg.asker)) {
        shown.push(`…${rest} more lines sent to ${msg.asker} privately`);
        // The copy for the asker is a courtesy: if they have left, the channel's message still stands.
        const asker = msg.asker;
        const copy = renderIrc(msg.body, { formatting: this.settings.formatting }).flatMap((l) => splitLine(l, this.maxPayload(asker)));
        void this.queue.enqueue(asker, copy.map((l) => `PRIVMSG ${asker} :${l}`), urgent).catch((err: Error) => this.log.info({ asker, err: err.message }, 'private copy not delivered'));
      } else {
        shown.push(`…${rest} more lines`);
      }
    }
    await this.queue.enqueue(target, shown.map((l) => `PRIVMSG ${target} :${l}`), urgent);
  }

  /** Bytes left for text in `PRIVMSG target :text`, counting the prefix the server adds when relaying. */
  private maxPayload(target: string): number {
    const userhost = this.userhost !== null ? Buffer.byteLength(this.userhost) : UNKNOWN_USERHOST;
    const prefix = 1 + Buffer.byteLength(this.nick) + 1 + userhost + ' PRIVMSG '.length + Buffer.byteLength(target) + ' :'.length;
    return 512 - 2 - prefix;
  }

  private connect(): void {
    const settings = this.settings;
    const client = new Client({
      host: settings.host,
      port: settings.port ?? (settings.tls ? 6697 : 6667),
      nick: settings.nick,
      username: settings.username,
      gecos: settings.realname,
      tls: settings.tls,
      rejectUnauthorized: settings.tlsVerify,
      auto_reconnect: false,
      ping_interval: 30,
      ping_timeout: 120,
      // VERSION is answered here, through the send queue, not by the library.
      version: null,
      // Where the server offers it, a message counts as delivered only once
      // the server echoes it back, not when the socket takes it.
      enable_echomessage: true,
      ...(settings.password !== undefined && { password: settings.password }),
      ...(settings.sasl && { account: { account: settings.sasl.account, password: settings.sasl.password } }),
      ...(settings.tls && this.ca !== undefined && { transport: transportWithCa(this.ca) }),
    });
    this.client = client;
    this.saslOk = false;
    this.account = null;
    this.bind(client);
    this.log.info({ host: settings.host, port: settings.port, tls: settings.tls }, 'connecting to IRC');
    client.connect();
  }

  private bind(client: Client): void {
    bindConnectionEvents(client, this);
    bindAccountEvents(client, this);
    bindNickEvents(client, this);
    bindChannelEvents(client, this);
    bindMessageEvents(client, this);
  }

  onRegistered(client: Client, nick: string): void {
    if (client !== this.client) return;
    this.registered = true;
    this.attempt = 0;
    this.currentNick = nick;
    this.log.info({ nick }, 'registered on IRC');
    this.onNick?.(nick);
    if (this.settings.sasl && !this.saslOk) {
      // No SASL on this network, or it failed: the classic way.
      client.raw('PRIVMSG', this.settings.nickserv, `IDENTIFY ${this.settings.sasl.account} ${this.settings.sasl.password}`);
    }
    const echo = client.network.cap.isEnabled('echo-message');
    const writer = (line: string, confirmed: (err?: Error | null) => void): boolean => {
      if (!client.connection.connected) return false;
      if (!this.mayWrite()) {
        // Held, not lost: try the queue again shortly, on this same connection.
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (this.client === client && client.connection.connected) this.queue.setWriter(writer);
        }, 500);
        this.timers.add(t);
        return false;
      }
      this.writingFromQueue = true;
      try {
        const privmsg = /^PRIVMSG (\S+) :(.*)$/s.exec(line);
        if (echo && privmsg) {
          this.echoes.expect(privmsg[1]!, privmsg[2]!, confirmed);
          client.connection.write(line);
        } else {
          client.connection.write(line, confirmed);
        }
      } finally {
        this.writingFromQueue = false;
      }
      return true;
    };
    this.queue.setWriter(writer);
    joinMissing(this);
    if (nick !== this.settings.nick) {
      // Our nick is held: often our own earlier connection (a lost host, a
      // failover) that the server has not timed out yet. With an account,
      // services end that session (GHOST works on Atheme and Anope); the
      // QUIT that follows makes us take the nick back (events/nick.ts).
      if (this.settings.sasl) client.raw('PRIVMSG', this.settings.nickserv, `GHOST ${this.settings.nick}`);
      regainNick(this);
    }
  }

  onClose(client: Client, err?: Error): void {
    if (client !== this.client) return;
    const wasRegistered = this.registered;
    this.registered = false;
    const lost = new Error(`IRC connection lost${err ? `: ${err.message}` : ''}`);
    this.echoes.failAll(lost);
    this.queue.connectionLost(lost);
    for (const c of this.joined) this.queue.hold(c);
    this.joined.clear();
    this.accounts.clear();
    this.userhost = null;
    for (const [, waiters] of this.whoisWaiters) for (const w of waiters) w(null);
    this.whoisWaiters.clear();
    client.removeAllListeners();
    this.client = undefined;
    this.onClosed?.();
    this.currentNick = this.settings.nick;
    if (this.stopping) return;
    const delay = reconnectDelay(this.attempt++);
    this.log.warn({ wasRegistered, retryInMs: delay, attempt: this.attempt, error: err?.message }, 'IRC connection lost; reconnecting');
    this.later(() => this.connect(), delay);
  }

  later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopping) fn();
    }, ms);
    this.timers.add(t);
  }
}
