import type { InboundMessage, Platform } from '../chat/message.js';
import type { RichText } from '../chat/rich-text.js';

export interface OutboundMessage {
  /** Full channel address: `irc:#ops`. */
  channel: string;
  body: RichText;
  thread?: string;
  /** Deliver privately to this user (IRC nick, Slack user ID) instead of the channel. */
  recipient?: string;
  /** Who asked, for a reply: receives privately what does not fit in the channel. */
  asker?: string;
  /** Above 0: urgent, goes before routine lines waiting for the same connection. */
  priority: number;
  /** A message relayed across a bridge: who wrote it on the other side. */
  author?: string;
  /** The relayed message was a /me. */
  action?: boolean;
}

/**
 * A chat platform, seen from the core: events in as InboundMessage, rich text
 * out. Adapters are transport only: nothing here knows what a server or an
 * alert is.
 */
export interface ChatAdapter {
  readonly platform: Platform;
  start(onMessage: (msg: InboundMessage) => void): Promise<void>;
  stop(): Promise<void>;
  /** False while disconnected: delivery leaves this platform's rows in the outbox. */
  isReady(): boolean;
  /** Resolves once the platform accepted the message; rejects when it did not. */
  send(msg: OutboundMessage): Promise<void>;
  /** For /healthz. */
  status(): AdapterStatus;
  /**
   * How fast a channel takes messages, when the platform limits it: delivery
   * condenses a backlog it could not send in a short while. None: no limit.
   */
  sendRate?(channel: string): { burst: number; perSecond: number } | undefined;
}

export interface AdapterStatus {
  connected: boolean;
  /** Lines or messages waiting inside the adapter (not counting the outbox). */
  queued: number;
  [detail: string]: unknown;
}

/**
 * A message that can never be delivered as addressed (the channel does not
 * exist, the user has left): retrying would only block the channel, so
 * delivery sets it aside, logged, and moves on.
 */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}
