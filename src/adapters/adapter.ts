import type { InboundMessage, Platform } from '../chat/message.js';
import type { RichText } from '../chat/rich-text.js';

export interface OutboundMessage {
  /** Full channel address: `irc:#ops`. */
  channel: string;
  body: RichText;
  thread?: string;
  recipient?: string;
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
}
