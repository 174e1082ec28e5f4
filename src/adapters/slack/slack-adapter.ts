import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../chat/message.js';
import { parseChannelAddress } from '../../chat/message.js';
import { PerKeyOrder } from '../../chat/per-key-order.js';
import type { Clock } from '../../clock.js';
import { PermanentDeliveryError, type AdapterStatus, type ChatAdapter, type OutboundMessage } from '../adapter.js';
import { plainFromSlack, richTextFromSlack } from './from-slack.js';
import { escapeMrkdwn, renderMrkdwn } from './mrkdwn.js';
import { line, link, type Inline, type RichText } from '../../chat/rich-text.js';
import { SlackDirectory, UnknownChannelError } from './directory.js';
import { reconnectDelay } from '../backoff.js';

/** What the Slack adapter is told: how to reach Slack and how to talk there. */
export interface SlackSettings {
  /** Socket Mode needs no public URL; the HTTP Events API needs one, and a signing secret. */
  mode: 'socket' | 'http';
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  /** Where the HTTP Events API receiver listens (http mode). */
  listen: { host: string; port: number };
  /** Web API base URL, for a proxy (and the tests). */
  apiUrl?: string;
  /** The slash command that runs any chat command. */
  slashCommand: string;
  /** Lines a message may take in a channel; longer ones continue in a thread. */
  maxChannelLines: number;
  /** Relay other bots' posts (never run as commands). */
  relayBots: boolean;
  /** Avatar for relayed messages. */
  relayIconUrl?: string;
  /** Messages per second per channel. */
  rate: number;
}

export interface SlackAdapterOptions {
  settings: SlackSettings;
  clock: Clock;
  log: Logger;
  /** Names (IRC accounts, nicks, people's names) known to be a Slack user: for mentions across a bridge. */
  people?: ReadonlyMap<string, string>;
  /** Asked before each post; false makes send() fail, so the message stays in the outbox. */
  mayWrite?: () => boolean;
}

/** A Slack message event, as far as this adapter reads it. */
interface MessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: { name?: string; title?: string; permalink?: string }[];
  username?: string;
  message?: MessageEvent;
  previous_message?: MessageEvent;
}

/**
 * Slack through Bolt (Socket Mode): events in as neutral messages with the
 * Slack user ID as identity, replies out through chat.postMessage. Knows
 * nothing of servers, alerts or tickets.
 */
export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  private readonly cfg: SlackSettings;
  private readonly log: Logger;
  private app: App | undefined;
  private directory: SlackDirectory | undefined;
  private botUserId = '';
  private botId = '';
  private connected = false;
  private onMessage: (msg: InboundMessage) => void = () => {};
  private customizeDenied = false;
  private stopping = false;
  private retry: NodeJS.Timeout | undefined;
  private sending = 0;
  /** When each channel may take its next message: Slack allows about one per second per channel. */
  private readonly nextSlot = new Map<string, number>();
  /** Recently seen message timestamps: a mention arrives as both `message` and `app_mention`. */
  private readonly seen = new Set<string>();

  constructor(private readonly opts: SlackAdapterOptions) {
    this.cfg = opts.settings;
    this.log = opts.log.child({ adapter: 'slack' });
  }

  async start(onMessage: (msg: InboundMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    // The bot runs on when Slack is unreachable; it keeps trying, and
    // messages for Slack wait in the outbox meanwhile.
    void this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    if (this.stopping) return;
    const app = this.createApp();
    try {
      const auth = await app.client.auth.test();
      this.botUserId = String(auth.user_id ?? '');
      this.botId = String(auth.bot_id ?? '');
      if (this.cfg.mode === 'http') {
        await app.start(this.cfg.listen);
      } else {
        await app.start();
      }
      this.app = app;
      this.connected = true;
      this.log.info({ botUserId: this.botUserId }, 'connected to Slack');
    } catch (err) {
      const delay = reconnectDelay(attempt);
      this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'cannot connect to Slack; retrying');
      this.retry = setTimeout(() => void this.connect(attempt + 1), delay);
    }
  }

  /** A fresh Bolt app for each connection attempt: one whose start failed keeps failing. */
  private createApp(): App {
    // Separate objects: the Socket Mode client writes its own retry policy into the one it gets.
    const apiUrl = this.cfg.apiUrl ? { slackApiUrl: this.cfg.apiUrl } : {};
    // A 429 is retried after its Retry-After with little extra backoff: Slack
    // said when. Past a few tries the send fails and the outbox, which keeps
    // the message, retries it later.
    const clientOptions = { ...apiUrl, retryConfig: { retries: 5, factor: 2, minTimeout: 200, maxTimeout: 5_000 } };
    const app =
      this.cfg.mode === 'http'
        ? // Bolt's HTTP receiver checks the signing secret (constant-time) and
          // refuses requests more than 5 minutes old.
          new App({ token: this.cfg.botToken, signingSecret: this.cfg.signingSecret!, clientOptions, logger: boltLogger(this.log) })
        : new App({
            token: this.cfg.botToken,
            appToken: this.cfg.appToken,
            socketMode: true,
            clientOptions,
            // The Socket Mode client makes its own Web API calls (apps.connections.open).
            installerOptions: { clientOptions: { ...apiUrl } },
            logger: boltLogger(this.log),
          });
    this.directory = new SlackDirectory(app.client, () => this.opts.clock.now().getTime());
    const onMessage = this.onMessage;

    app.message(async ({ message }) => {
      await this.onSlackMessage(message as unknown as MessageEvent, onMessage);
    });
    app.event('app_mention', async ({ event }) => {
      await this.onSlackMessage({ ...(event as unknown as MessageEvent), type: 'message' }, onMessage);
    });
    app.command(this.cfg.slashCommand, async ({ command, ack }) => {
      await ack();
      onMessage({
        platform: 'slack',
        channel: `slack:${command.channel_id}`,
        user: { id: command.user_id, name: command.user_name, identity: `slack:${command.user_id}` },
        text: command.text,
        addressed: true,
        privateReply: true,
        receivedAt: this.opts.clock.now(),
      });
    });
    app.event('channel_rename', async ({ event }) => {
      const e = event as unknown as { channel: { id: string; name: string } };
      this.directory?.channelRenamed(e.channel.id, e.channel.name);
    });
    app.event('user_change', async ({ event }) => {
      const e = event as unknown as { user: { id: string } };
      this.directory?.forgetUser(e.user.id);
    });
    app.error(async (err) => {
      this.log.error({ err }, 'Slack handler failed');
    });
    return app;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    if (this.connected) await this.app?.stop();
    this.connected = false;
  }

  isReady(): boolean {
    return this.connected;
  }

  sendRate(): { burst: number; perSecond: number } {
    return { burst: 1, perSecond: this.cfg.rate };
  }

  status(): AdapterStatus {
    return { connected: this.connected, queued: this.sending, botUserId: this.botUserId };
  }

  async send(msg: OutboundMessage): Promise<void> {
    if (this.opts.mayWrite && !this.opts.mayWrite()) throw new Error('not sending: this node may no longer lead');
    try {
      await this.post(msg);
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (err instanceof UnknownChannelError || (code !== undefined && PERMANENT_ERRORS.has(code))) {
        throw new PermanentDeliveryError(`${msg.channel}: ${code ?? (err as Error).message}`);
      }
      throw err;
    }
  }

  private async post(msg: OutboundMessage): Promise<void> {
    const app = this.app;
    const addr = parseChannelAddress(msg.channel);
    if (!app || !this.directory || !addr || addr.platform !== 'slack') throw new Error(`cannot send to ${msg.channel}`);
    const channel = await this.directory.channelId(addr.target);
    const mentionIds = await this.resolveMentions(msg.body);
    let lines = renderMrkdwn(msg.body, (name) => mentionIds.get(name.toLowerCase()));
    if (msg.action) lines = lines.map((l) => `_${l}_`);
    this.sending++;
    try {
      await this.slot(channel);
      if (msg.author !== undefined && !msg.recipient) {
        await this.postAs(channel, msg.author, lines.join('\n'), msg.thread);
        return;
      }
      if (msg.recipient) {
        await app.client.chat.postEphemeral({ channel, user: msg.recipient, text: lines.join('\n'), ...(msg.thread && { thread_ts: msg.thread }) });
        return;
      }
      const max = this.cfg.maxChannelLines;
      if (lines.length <= max || msg.thread) {
        await app.client.chat.postMessage({ channel, text: lines.join('\n'), ...(msg.thread && { thread_ts: msg.thread }) });
        return;
      }
      // Long: the first lines in the channel, the whole text in a thread under them.
      const head = [...lines.slice(0, max - 1), `…${lines.length - (max - 1)} more lines in the thread`];
      const posted = await app.client.chat.postMessage({ channel, text: head.join('\n') });
      await this.slot(channel);
      await app.client.chat.postMessage({ channel, thread_ts: String(posted.ts), text: lines.join('\n') });
    } finally {
      this.sending--;
    }
  }

  /**
   * A relayed message, shown with its author's name (`chat:write.customize`);
   * where the app may not customize, the name goes in front of the text.
   */
  private async postAs(channel: string, author: string, text: string, thread: string | undefined): Promise<void> {
    const app = this.app!;
    const base = { channel, ...(thread && { thread_ts: thread }) };
    if (!this.customizeDenied) {
      try {
        await app.client.chat.postMessage({ ...base, text, username: author, ...(this.cfg.relayIconUrl && { icon_url: this.cfg.relayIconUrl }) });
        return;
      } catch (err) {
        if ((err as { data?: { error?: string } }).data?.error !== 'missing_scope') throw err;
        this.customizeDenied = true;
        this.log.warn('no chat:write.customize scope: relayed messages carry the author in the text');
      }
    }
    await app.client.chat.postMessage({ ...base, text: `&lt;${escapeMrkdwn(author)}&gt; ${text}` });
  }

  /** Slack user IDs for the mentions in a message: configured people first, then display names. */
  private async resolveMentions(body: RichText): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const name of mentionNames(body)) {
      const key = name.toLowerCase();
      const id = this.opts.people?.get(key) ?? (await this.directory!.userIdByName(name));
      if (id) ids.set(key, id);
    }
    return ids;
  }

  /** Recent messages' text by channel and ts: a thread reply is relayed with its thread's first words. */
  private readonly recent = new Map<string, string>();

  private remember(m: MessageEvent): void {
    this.recent.set(`${m.channel}/${m.ts}`, m.text ?? '');
    if (this.recent.size > 2000) this.recent.delete(this.recent.keys().next().value!);
  }

  private threadTitle(channel: string, threadTs: string): string {
    const first = this.recent.get(`${channel}/${threadTs}`);
    if (first === undefined) return '…';
    const words = first.replace(/<[^>]*>/g, '').split(/\s+/).filter(Boolean);
    return words.slice(0, 5).join(' ') + (words.length > 5 ? '…' : '');
  }

  /** Waits for the channel's next one-per-second slot (429s are retried by the Web API client after Retry-After). */
  private async slot(channel: string): Promise<void> {
    const now = this.opts.clock.now().getTime();
    const at = Math.max(now, this.nextSlot.get(channel) ?? 0);
    this.nextSlot.set(channel, at + 1000 / this.cfg.rate);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /**
   * Events of one channel are handed on in the order they arrived, though
   * looking up names may take longer for one than for the next.
   */
  private onSlackMessage(event: MessageEvent, onMessage: (msg: InboundMessage) => void): Promise<void> {
    return this.inOrder.run(event.channel, () => this.handleSlackMessage(event, onMessage));
  }

  private readonly inOrder = new PerKeyOrder((err) => this.log.error({ err }, 'Slack message dropped by an error'));

  private async handleSlackMessage(event: MessageEvent, onMessage: (msg: InboundMessage) => void): Promise<void> {
    // An edit carries the new message inside; deletions and other subtypes are not relayed.
    const edited = event.subtype === 'message_changed';
    const m: MessageEvent = edited ? { ...event.message!, channel: event.channel, channel_type: event.channel_type ?? '', ts: event.ts } : event;
    if (edited && event.message?.text === event.previous_message?.text) return; // an unfurl, not an edit
    this.remember(m);
    // The bot's own posts come back as events: never relay or answer them.
    // Other bots' posts only with relay_bots, and then only for relaying.
    const ownPost = m.user === this.botUserId || (m.bot_id !== undefined && m.bot_id === this.botId);
    if (ownPost) return;
    const fromBot = m.bot_id !== undefined || m.subtype === 'bot_message';
    if (fromBot && !this.cfg.relayBots) return;
    if (!fromBot && !m.user) return;
    if (m.subtype !== undefined && !['me_message', 'thread_broadcast', 'file_share', 'bot_message'].includes(m.subtype)) return;
    const key = `${m.channel}/${m.ts}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > 1000) this.seen.delete(this.seen.values().next().value!);

    let text = m.text ?? '';
    const mention = `<@${this.botUserId}>`;
    const addressed = text.startsWith(mention);
    if (addressed) text = text.slice(mention.length).replace(/^[\s:,]+/, '');
    const directory = this.directory!;
    const name = m.user ? await directory.userName(m.user) : (m.username ?? 'bot');
    const channelName = m.channel_type === 'im' ? undefined : await directory.channelName(m.channel);
    const mentioned = [...text.matchAll(/<@([UW][A-Z0-9]+)>/g)].map((x) => x[1]!);
    const names = new Map<string, string>();
    for (const id of mentioned) names.set(id, await directory.userName(id));
    const slackNames = { user: (id: string) => names.get(id) ?? id, channel: (id: string) => directory.cachedChannelName(id) };
    const rich = richTextFromSlack(text, slackNames);
    // Files and images travel as their name and permalink.
    for (const f of m.files ?? []) if (f.permalink) rich.blocks.push(line(`${f.name ?? f.title ?? 'file'}: `, link(f.permalink)));
    const inThread = m.thread_ts !== undefined && m.thread_ts !== m.ts;
    onMessage({
      platform: 'slack',
      channel: `slack:${m.channel}`,
      ...(channelName && { channelAliases: [`slack:#${channelName}`] }),
      ...(inThread && { threadTitle: this.threadTitle(m.channel, m.thread_ts!) }),
      rich,
      user: { id: m.user ?? m.bot_id!, name, ...(m.user && !fromBot && { identity: `slack:${m.user}` }) },
      ...(fromBot && { fromBot: true }),
      text: plainFromSlack(text, slackNames),
      ...(names.size > 0 && { mentions: [...names].map(([id, n]) => ({ name: n, identity: `slack:${id}` })) }),
      ...(m.channel_type === 'im' && { direct: true }),
      ...(addressed && { addressed: true }),
      ...(m.subtype === 'me_message' && { action: true }),
      ...(edited && { edited: true }),
      ...(m.thread_ts && { thread: m.thread_ts }),
      receivedAt: new Date(Number(m.ts) * 1000),
    });
  }
}


function mentionNames(rt: RichText): string[] {
  const out: string[] = [];
  const walk = (i: Inline) => {
    if (typeof i === 'string') return;
    if (i.kind === 'mention') out.push(i.name);
    else if ('children' in i) i.children.forEach(walk);
  };
  for (const b of rt.blocks) (b.kind === 'line' ? [b.children] : b.items).forEach((c) => c.forEach(walk));
  return out;
}

/** Bolt's logs into ours (JSON on stderr), at warn and above: its info is chatter. */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ lib: 'bolt' });
  let level = LogLevel.WARN;
  const text = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    debug: () => {},
    info: () => {},
    warn: (...msgs: unknown[]) => child.warn(text(msgs)),
    error: (...msgs: unknown[]) => child.error(text(msgs)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Slack errors that no retry will fix: the message is set aside instead of blocking its channel. */
const PERMANENT_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'user_not_in_channel', 'user_not_found', 'msg_too_long', 'no_text', 'invalid_blocks', 'cannot_dm_bot']);
