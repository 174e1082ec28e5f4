import { App, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../chat/message.js';
import { parseChannelAddress } from '../../chat/message.js';
import type { Clock } from '../../clock.js';
import type { SlackConfig } from '../../config/schema.js';
import type { AdapterStatus, ChatAdapter, OutboundMessage } from '../adapter.js';
import { renderMrkdwn } from './mrkdwn.js';
import { SlackDirectory } from './directory.js';
import { reconnectDelay } from '../backoff.js';

export interface SlackAdapterOptions {
  config: SlackConfig;
  clock: Clock;
  log: Logger;
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
}

/**
 * Slack through Bolt (Socket Mode): events in as neutral messages with the
 * Slack user ID as identity, replies out through chat.postMessage. Knows
 * nothing of servers, alerts or tickets.
 */
export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  private readonly cfg: SlackConfig;
  private readonly log: Logger;
  private app: App | undefined;
  private directory: SlackDirectory | undefined;
  private botUserId = '';
  private connected = false;
  private stopping = false;
  private retry: NodeJS.Timeout | undefined;
  private sending = 0;
  /** When each channel may take its next message: Slack allows about one per second per channel. */
  private readonly nextSlot = new Map<string, number>();
  /** Recently seen message timestamps: a mention arrives as both `message` and `app_mention`. */
  private readonly seen = new Set<string>();

  constructor(private readonly opts: SlackAdapterOptions) {
    this.cfg = opts.config;
    this.log = opts.log.child({ adapter: 'slack' });
  }

  async start(onMessage: (msg: InboundMessage) => void): Promise<void> {
    const clientOptions = this.cfg.api_url ? { slackApiUrl: this.cfg.api_url } : {};
    const app = new App({
      token: this.cfg.bot_token,
      appToken: this.cfg.app_token,
      socketMode: true,
      clientOptions,
      // The Socket Mode client makes its own Web API calls (apps.connections.open).
      installerOptions: { clientOptions },
      logLevel: LogLevel.ERROR,
    });
    this.app = app;
    this.directory = new SlackDirectory(app.client, () => this.opts.clock.now().getTime());

    app.message(async ({ message }) => {
      const m = message as unknown as MessageEvent;
      await this.onSlackMessage(m, onMessage);
    });
    app.event('app_mention', async ({ event }) => {
      await this.onSlackMessage({ ...(event as unknown as MessageEvent), type: 'message' }, onMessage);
    });
    app.command(this.cfg.slash_command, async ({ command, ack }) => {
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

    // The bot runs on when Slack is unreachable; it keeps trying, and
    // messages for Slack wait in the outbox meanwhile.
    void this.connect(app, 0);
  }

  private async connect(app: App, attempt: number): Promise<void> {
    if (this.stopping) return;
    try {
      const auth = await app.client.auth.test();
      this.botUserId = String(auth.user_id ?? '');
      await app.start();
      this.connected = true;
      this.log.info({ botUserId: this.botUserId }, 'connected to Slack');
    } catch (err) {
      const delay = reconnectDelay(attempt);
      this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'cannot connect to Slack; retrying');
      this.retry = setTimeout(() => void this.connect(app, attempt + 1), delay);
    }
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

  status(): AdapterStatus {
    return { connected: this.connected, queued: this.sending, botUserId: this.botUserId };
  }

  async send(msg: OutboundMessage): Promise<void> {
    const app = this.app;
    const addr = parseChannelAddress(msg.channel);
    if (!app || !this.directory || !addr || addr.platform !== 'slack') throw new Error(`cannot send to ${msg.channel}`);
    const channel = await this.directory.channelId(addr.target);
    const lines = renderMrkdwn(msg.body);
    this.sending++;
    try {
      await this.slot(channel);
      if (msg.recipient) {
        await app.client.chat.postEphemeral({ channel, user: msg.recipient, text: lines.join('\n'), ...(msg.thread && { thread_ts: msg.thread }) });
        return;
      }
      const max = this.cfg.max_channel_lines;
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

  /** Waits for the channel's next one-per-second slot (429s are retried by the Web API client after Retry-After). */
  private async slot(channel: string): Promise<void> {
    const now = this.opts.clock.now().getTime();
    const at = Math.max(now, this.nextSlot.get(channel) ?? 0);
    this.nextSlot.set(channel, at + 1000 / this.cfg.rate);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  private async onSlackMessage(m: MessageEvent, onMessage: (msg: InboundMessage) => void): Promise<void> {
    // The bot's own posts come back as events, as do other bots': never answer them.
    if (m.bot_id || !m.user || m.user === this.botUserId) return;
    if (m.subtype !== undefined && m.subtype !== 'me_message' && m.subtype !== 'thread_broadcast') return;
    const key = `${m.channel}/${m.ts}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > 1000) this.seen.delete(this.seen.values().next().value!);

    let text = m.text ?? '';
    const mention = `<@${this.botUserId}>`;
    const addressed = text.startsWith(mention);
    if (addressed) text = text.slice(mention.length).replace(/^[\s:,]+/, '');
    const name = await this.directory!.userName(m.user);
    onMessage({
      platform: 'slack',
      channel: `slack:${m.channel}`,
      user: { id: m.user, name, identity: `slack:${m.user}` },
      text: unescapeSlack(text),
      ...(m.channel_type === 'im' && { direct: true }),
      ...(addressed && { addressed: true }),
      ...(m.subtype === 'me_message' && { action: true }),
      ...(m.thread_ts && { thread: m.thread_ts }),
      receivedAt: new Date(Number(m.ts) * 1000),
    });
  }
}

/** Slack escapes &, < and > in message text; commands want what the user typed. */
function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
