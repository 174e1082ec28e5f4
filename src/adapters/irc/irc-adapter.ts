import { readFileSync } from 'node:fs';
import { Client, type MessageEvent } from 'irc-framework';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../chat/message.js';
import { parseChannelAddress } from '../../chat/message.js';
import type { Clock } from '../../clock.js';
import type { IrcConfig } from '../../config/schema.js';
import { PermanentDeliveryError, type AdapterStatus, type ChatAdapter, type OutboundMessage } from '../adapter.js';
import { FatalError } from '../../errors.js';
import { AccountCache } from './accounts.js';
import { reconnectDelay } from '../backoff.js';
import { line, richText } from '../../chat/rich-text.js';
import { EchoTracker } from './echo-tracker.js';
import { inlinesFromIrc, leadingMention } from './from-irc.js';
import { noPing, renderIrc } from './irc-render.js';
import { TokenBudget } from './token-budget.js';
import { splitLine } from './line-split.js';
import { SendQueue } from './send-queue.js';
import { transportWithCa } from './tls-transport.js';

export interface IrcAdapterOptions {
  config: IrcConfig;
  clock: Clock;
  log: Logger;
  /** Told the bot's current nick, so `nick: command` addresses it. */
  onNick?: (nick: string) => void;
}

const WHOIS_TIMEOUT_MS = 5_000;
const REGAIN_NICK_MS = 30_000;
const REJOIN_CHECK_MS = 60_000;
/** What the server shows of us before we have seen it: the longest host a server puts in a prefix. */
const UNKNOWN_USERHOST = 10 + 1 + 63;

/**
 * IRC through irc-framework: connection, reconnection, identity from
 * services accounts, and every outgoing line through one throttled queue.
 * Knows nothing of servers, alerts or tickets.
 */
export class IrcAdapter implements ChatAdapter {
  readonly platform = 'irc' as const;
  private readonly cfg: IrcConfig;
  private readonly log: Logger;
  private client: Client | undefined;
  private readonly queue: SendQueue;
  private readonly accounts: AccountCache;
  private readonly joined = new Set<string>();
  private readonly channels: Map<string, { name: string; key?: string }>;
  private onMessage: (msg: InboundMessage) => void = () => {};
  private registered = false;
  private stopping = false;
  private attempt = 0;
  private saslOk = false;
  /** The services account the bot is logged in to, once the server says so. */
  private account: string | null = null;
  private userhost: string | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private intervals: NodeJS.Timeout[] = [];
  private writingFromQueue = false;
  /** Set by stop() to learn when the QUIT has closed the connection. */
  private onClosed: (() => void) | undefined;
  private readonly whoisWaiters = new Map<string, ((account: string | null) => void)[]>();
  private readonly ctcpBudget = new TokenBudget(3, 1 / 10);
  private readonly echoes = new EchoTracker();

  constructor(private readonly opts: IrcAdapterOptions) {
    this.cfg = opts.config;
    this.currentNick = this.cfg.nick;
    // Read once: a file gone at reconnect time must not kill the process.
    if (this.cfg.tls && this.cfg.ca_file) {
      try {
        this.ca = readFileSync(this.cfg.ca_file, 'utf8');
      } catch (err) {
        throw new FatalError(`irc.ca_file: cannot read ${this.cfg.ca_file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 2);
      }
    }
    this.log = opts.log.child({ adapter: 'irc' });
    const now = () => opts.clock.now().getTime();
    this.queue = new SendQueue({ burst: this.cfg.flood.burst, rate: this.cfg.flood.rate });
    this.accounts = new AccountCache(now);
    this.channels = new Map(
      this.cfg.channels.map((c) => (typeof c === 'string' ? { name: c } : c)).map((c) => [c.name.toLowerCase(), c]),
    );
    for (const c of this.channels.keys()) this.queue.hold(c);
  }

  /** Our nick as the server last confirmed it (irc-framework updates its own copy after our handlers run). */
  private currentNick: string;
  private readonly ca: string | undefined;

  get nick(): string {
    return this.currentNick;
  }

  async start(onMessage: (msg: InboundMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    this.stopping = false;
    this.connect();
    this.intervals.push(setInterval(() => this.regainNick(), REGAIN_NICK_MS), setInterval(() => this.joinMissing(), REJOIN_CHECK_MS));
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
    return { burst: this.cfg.flood.burst, perSecond: this.cfg.flood.rate };
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
    const target = msg.recipient ?? (await this.accountTarget(addr.target));
    if (!isValidTarget(target)) throw new PermanentDeliveryError(`not a valid IRC target: ${JSON.stringify(target)}`);
    if (this.isChannel(target) && !this.channels.has(target.toLowerCase())) {
      throw new PermanentDeliveryError(`not configured to be in ${target}: add it to irc.channels`);
    }
    // A relayed message shows its author: `<name> text`, or `* name text` for a /me.
    const author = msg.author === undefined ? '' : msg.action ? `* ${noPing(msg.author)} ` : `<${noPing(msg.author)}> `;
    const budget = this.maxPayload(target) - Buffer.byteLength(author);
    const lines = renderIrc(msg.body, { formatting: this.cfg.formatting }).flatMap((l) => splitLine(l, budget).map((piece) => author + piece));
    const urgent = msg.priority > 0;
    const max = this.cfg.max_channel_lines;
    let shown = lines;
    if (this.isChannel(target) && lines.length > max) {
      shown = lines.slice(0, max - 1);
      const rest = lines.length - shown.length;
      if (msg.asker && isValidTarget(msg.asker) && !this.isChannel(msg.asker)) {
        shown.push(`…${rest} more lines sent to ${msg.asker} privately`);
        // The copy for the asker is a courtesy: if they have left, the channel's message still stands.
        const asker = msg.asker;
        const copy = renderIrc(msg.body, { formatting: this.cfg.formatting }).flatMap((l) => splitLine(l, this.maxPayload(asker)));
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

  private isChannel(target: string): boolean {
    return /^[#&+!]/.test(target);
  }

  private connect(): void {
    const cfg = this.cfg;
    const client = new Client({
      host: cfg.host,
      port: cfg.port ?? (cfg.tls ? 6697 : 6667),
      nick: cfg.nick,
      username: cfg.username,
      gecos: cfg.realname,
      tls: cfg.tls,
      rejectUnauthorized: cfg.tls_verify,
      auto_reconnect: false,
      ping_interval: 30,
      ping_timeout: 120,
      // VERSION is answered here, through the send queue, not by the library.
      version: null,
      // Where the server offers it, a message counts as delivered only once
      // the server echoes it back, not when the socket takes it.
      enable_echomessage: true,
      ...(cfg.password !== undefined && { password: cfg.password }),
      ...(cfg.sasl && { account: { account: cfg.sasl.account, password: cfg.sasl.password } }),
      ...(cfg.tls && this.ca !== undefined && { transport: transportWithCa(this.ca) }),
    });
    this.client = client;
    this.saslOk = false;
    this.account = null;
    this.bind(client);
    this.log.info({ host: cfg.host, port: cfg.port, tls: cfg.tls }, 'connecting to IRC');
    client.connect();
  }

  private bind(client: Client): void {
    client.connection.on('raw', (e) => {
      // Lines the library writes itself (JOIN, PONG, WHOIS) count against the same flood budget.
      if (!e.from_server && !this.writingFromQueue) this.queue.spend(1);
    });
    client.on('loggedin', (e: { account: string }) => {
      this.saslOk = true;
      this.account = e.account;
      this.log.info({ account: e.account }, 'logged in to services');
    });
    client.on('sasl failed', (e: { reason: string }) => this.log.warn({ reason: e.reason }, 'SASL login failed; trying NickServ'));
    client.on('registered', (e: { nick: string }) => this.onRegistered(client, e.nick));
    client.on('close', () => this.onClose(client));
    client.on('socket close', (err?: Error) => this.onClose(client, err));
    client.on('nick invalid', () => {
      // Too long for this server (ngircd cuts at 9 by default): shorten and retry.
      if (this.registered) return;
      this.currentNick = this.currentNick.length > 2 ? this.currentNick.slice(0, -2) + '_' : `ob${Math.floor(Math.random() * 1000)}`;
      client.changeNick(this.currentNick);
    });
    client.on('nick in use', () => {
      if (!this.registered) {
        this.currentNick = this.alternateNick(this.currentNick);
        client.changeNick(this.currentNick);
      }
    });
    client.on('nick', (e: { nick: string; new_nick: string }) => {
      this.accounts.rename(e.nick, e.new_nick);
      if (e.nick === this.currentNick) {
        this.currentNick = e.new_nick;
        this.opts.onNick?.(e.new_nick);
        this.log.info({ nick: e.new_nick }, 'nick changed');
      }
      if (e.nick.toLowerCase() === this.cfg.nick.toLowerCase()) this.regainNick();
    });
    client.on('quit', (e: { nick: string }) => {
      this.accounts.forget(e.nick);
      if (e.nick.toLowerCase() === this.cfg.nick.toLowerCase()) this.regainNick();
    });
    client.on('join', (e: { nick: string; ident: string; hostname: string; channel: string; account?: string | false }) => {
      if (e.nick === this.currentNick) {
        this.userhost = `${e.ident}@${e.hostname}`;
        this.joined.add(e.channel.toLowerCase());
        this.queue.release(e.channel);
        this.log.info({ channel: e.channel }, 'joined');
        return;
      }
      if (e.account !== undefined) this.accounts.set(e.nick, e.account === false ? null : e.account);
    });
    client.on('kick', (e: { kicked: string; channel: string; nick: string; message: string }) => {
      // Someone the bot may no longer share a channel with: no notification
      // will tell us if they log out or someone else takes the nick.
      if (e.kicked !== this.currentNick) return this.accounts.forget(e.kicked);
      this.accounts.clear();
      this.leftChannel(e.channel);
      this.log.warn({ channel: e.channel, by: e.nick, reason: e.message }, 'kicked; rejoining shortly');
      this.later(() => this.join(e.channel), this.cfg.rejoin_delay);
    });
    client.on('part', (e: { nick: string; channel: string }) => {
      if (e.nick !== this.currentNick) return this.accounts.forget(e.nick);
      this.accounts.clear();
      this.leftChannel(e.channel);
    });
    client.on('account', (e: { nick: string; account: string | false }) => this.accounts.set(e.nick, e.account === false ? null : e.account));
    client.on('whois', (e: { nick: string; account?: string; error?: string }) => {
      const account = e.error ? null : (e.account ?? null);
      this.accounts.setFromWhois(e.nick, account);
      const waiters = this.whoisWaiters.get(e.nick.toLowerCase()) ?? [];
      this.whoisWaiters.delete(e.nick.toLowerCase());
      for (const w of waiters) w(account);
    });
    client.on('privmsg', (e: MessageEvent) => this.inOrder(client, e, false));
    client.on('action', (e: MessageEvent) => this.inOrder(client, e, true));
    client.on('ctcp request', (e: { nick: string; type: string; message: string; target: string }) => this.onCtcp(e));
    client.on('irc error', (e: { error: string; channel?: string; nick?: string; reason?: string }) => {
      this.log.warn({ error: e.error, channel: e.channel, nick: e.nick, reason: e.reason }, 'IRC error');
      // The server refused a message: no echo will come for it.
      const target = e.channel ?? e.nick;
      if (target && ['cannot_send_to_channel', 'cannot_send_to_user', 'no_such_nick'].includes(e.error)) {
        // A nick that is gone or refuses us will not change its mind; a channel may (+m, bans).
        const reason = `${e.error}: ${e.reason ?? target}`;
        this.echoes.refused(target, e.error === 'cannot_send_to_channel' ? new Error(reason) : new PermanentDeliveryError(reason));
      }
    });
  }

  private onRegistered(client: Client, nick: string): void {
    if (client !== this.client) return;
    this.registered = true;
    this.attempt = 0;
    this.currentNick = nick;
    this.log.info({ nick }, 'registered on IRC');
    this.opts.onNick?.(nick);
    if (this.cfg.sasl && !this.saslOk) {
      // No SASL on this network, or it failed: the classic way.
      client.raw('PRIVMSG', this.cfg.nickserv, `IDENTIFY ${this.cfg.sasl.account} ${this.cfg.sasl.password}`);
    }
    const echo = client.network.cap.isEnabled('echo-message');
    this.queue.setWriter((line, confirmed) => {
      if (!client.connection.connected) return false;
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
    });
    for (const c of this.channels.values()) this.join(c.name);
    if (nick !== this.cfg.nick) this.regainNick();
  }

  private onClose(client: Client, err?: Error): void {
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
    this.currentNick = this.cfg.nick;
    if (this.stopping) return;
    const delay = reconnectDelay(this.attempt++);
    this.log.warn({ wasRegistered, retryInMs: delay, attempt: this.attempt, error: err?.message }, 'IRC connection lost; reconnecting');
    this.later(() => this.connect(), delay);
  }

  /**
   * Messages of one channel are handed on in the order they arrived, even
   * when one waits for a WHOIS and the next does not: a bridged
   * conversation must read the same on the other side.
   */
  private inOrder(client: Client, e: MessageEvent, action: boolean): void {
    const key = (this.isChannel(e.target) ? e.target : e.nick ?? '').toLowerCase();
    const next = (this.channelOrder.get(key) ?? Promise.resolve()).then(() => this.onPrivmsg(client, e, action)).catch((err: unknown) => this.log.error({ err }, 'IRC message dropped by an error'));
    this.channelOrder.set(key, next);
    void next.then(() => {
      if (this.channelOrder.get(key) === next) this.channelOrder.delete(key);
    });
  }

  private readonly channelOrder = new Map<string, Promise<void>>();

  private async onPrivmsg(client: Client, e: MessageEvent, action: boolean): Promise<void> {
    if (e.nick && e.nick.toLowerCase() === this.currentNick.toLowerCase()) {
      if (!action) this.echoes.echoed(e.target, e.message);
      return;
    }
    // `PRIVMSG @#ops` is for channel operators only: never relay or answer it in the open.
    if (!e.nick || this.ignored(e.nick) || (e as MessageEvent & { group?: string }).group) return;
    const isChannel = this.isChannel(e.target);
    const account = await this.accountOf(client, e);
    this.onMessage({
      platform: 'irc',
      channel: `irc:${isChannel ? e.target : e.nick}`,
      rich: richText(line(...leadingMention(inlinesFromIrc(e.message)))),
      user: { id: e.nick, name: e.nick, ...(account && { identity: `irc:account:${account}` }) },
      text: e.message,
      ...(!isChannel && { direct: true }),
      ...(action && { action: true }),
      receivedAt: e.time ? new Date(e.time) : this.opts.clock.now(),
    });
  }

  /**
   * The services account behind a message. With `account-tag` the server
   * says it on every message (no tag: not logged in); otherwise what
   * `extended-join`/`account-notify` told us, else a WHOIS (330).
   */
  private async accountOf(client: Client, e: MessageEvent): Promise<string | null> {
    if (client.network.cap.isEnabled('account-tag')) return e.account || null;
    return this.accountOfNick(e.nick);
  }

  /**
   * `account:NAME` (`irc:account:alice`) is a private message for whoever is
   * logged in as NAME, not for whoever holds the nick: it goes to nick NAME
   * only when services say that nick is logged in to that account. Other
   * targets are themselves.
   */
  private async accountTarget(target: string): Promise<string> {
    const m = /^account:(.+)$/.exec(target);
    if (!m) return target;
    const account = m[1]!;
    if (!isValidTarget(account)) throw new PermanentDeliveryError(`not a valid IRC account: ${JSON.stringify(account)}`);
    const actual = await this.accountOfNick(account, { fresh: true });
    if (actual?.toLowerCase() !== account.toLowerCase()) {
      throw new PermanentDeliveryError(`nobody logged in as ${account} holds that nick now: private message dropped`);
    }
    return account;
  }

  /** What extended-join/account-notify told us about a nick, else a WHOIS (330); `fresh`: no WHOIS answer from before. */
  private accountOfNick(nick: string, opts: { fresh?: boolean } = {}): Promise<string | null> {
    const known = opts.fresh ? this.accounts.getTracked(nick) : this.accounts.get(nick);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      const key = nick.toLowerCase();
      const waiters = this.whoisWaiters.get(key);
      const timer = setTimeout(() => resolve(null), WHOIS_TIMEOUT_MS);
      const done = (account: string | null) => {
        clearTimeout(timer);
        resolve(account);
      };
      if (waiters) waiters.push(done);
      else {
        this.whoisWaiters.set(key, [done]);
        // Through the send queue: twenty new speakers must not mean twenty lines at once.
        void this.queue.enqueue('*whois', [`WHOIS ${nick}`]).catch(() => done(null));
      }
    });
  }

  /**
   * VERSION and PING get an answer, through the send queue and at most a few
   * a minute, so a CTCP flood cannot make the bot flood itself off the
   * server. Everything else is ignored.
   */
  private onCtcp(e: { nick: string; type: string; message: string; target: string }): void {
    if (this.isChannel(e.target) && e.type !== 'VERSION') return;
    if (this.ignored(e.nick) || !isValidTarget(e.nick) || !this.ctcpBudget.take()) return;
    let reply: string | null = null;
    if (e.type === 'VERSION') reply = 'VERSION opsbridge';
    else if (e.type === 'PING') reply = e.message.slice(0, 64);
    if (reply === null) return;
    void this.queue.enqueue(e.nick, [`NOTICE ${e.nick} :\x01${reply.replace(/[\x00-\x1f]/g, '')}\x01`]).catch(() => {});
  }

  private ignored(nick: string): boolean {
    return this.cfg.ignore.some((glob) => globMatch(glob, nick));
  }

  private join(channel: string): void {
    const c = this.channels.get(channel.toLowerCase());
    if (!c || !this.registered || this.joined.has(channel.toLowerCase())) return;
    this.client?.join(c.name, c.key);
  }

  private joinMissing(): void {
    for (const c of this.channels.values()) this.join(c.name);
  }

  private leftChannel(channel: string): void {
    this.joined.delete(channel.toLowerCase());
    this.queue.hold(channel);
  }

  private regainNick(): void {
    const client = this.client;
    if (!client || !this.registered || this.currentNick === this.cfg.nick) return;
    client.changeNick(this.cfg.nick);
  }

  private alternateNick(current: string): string {
    return current.length < 30 ? current + '_' : current.slice(0, 27) + Math.floor(Math.random() * 1000);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopping) fn();
    }, ms);
    this.timers.add(t);
  }
}

/** A nick or channel: no spaces, commas, colons at the start, or control characters. */
function isValidTarget(t: string): boolean {
  return /^[^\s,:\x00-\x1f\x7f][^\s,\x00-\x1f\x7f]*$/.test(t) && t.length <= 64;
}

function globMatch(glob: string, s: string): boolean {
  const re = new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
  return re.test(s);
}
