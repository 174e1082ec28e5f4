import type { Client } from 'irc-framework';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../../chat/message.js';
import type { PerKeyOrder } from '../../../chat/per-key-order.js';
import type { Clock } from '../../../clock.js';
import type { AccountCache } from '../accounts.js';
import type { EchoTracker } from '../echo-tracker.js';
import type { SendQueue } from '../send-queue.js';
import type { IrcSettings } from '../settings.js';
import type { TokenBudget } from '../token-budget.js';

/**
 * The IRC adapter as its event groups (this folder) see it: the state of
 * one connection, which each group keeps as the server reports it. The
 * adapter holds it and resets it when the connection ends.
 */
export interface IrcSession {
  readonly settings: IrcSettings;
  readonly log: Logger;
  readonly clock: Clock;
  readonly client: Client | undefined;
  readonly queue: SendQueue;
  readonly accounts: AccountCache;
  readonly echoes: EchoTracker;
  readonly whoisWaiters: Map<string, ((account: string | null) => void)[]>;
  /** Configured channels by lower-case name. */
  readonly channels: ReadonlyMap<string, { name: string; key?: string }>;
  /** Lower-case names of the channels the bot is in now. */
  readonly joined: Set<string>;
  readonly ctcpBudget: TokenBudget;
  /** Inbound messages by channel (or sender, for a private one). */
  readonly inbound: PerKeyOrder;
  readonly registered: boolean;
  /** Our nick as the server last confirmed it (irc-framework updates its own copy after our handlers run). */
  currentNick: string;
  /** `ident@host` as the server shows us to others, once a JOIN has told us. */
  userhost: string | null;
  saslOk: boolean;
  /** The services account the bot is logged in to, once the server says so. */
  account: string | null;
  /** True while the send queue writes: what the library writes itself is counted apart. */
  readonly writingFromQueue: boolean;
  readonly onNick: ((nick: string) => void) | undefined;
  onMessage(msg: InboundMessage): void;
  /** `fn` after `ms`, unless the adapter stops first. */
  later(fn: () => void, ms: number): void;
  onRegistered(client: Client, nick: string): void;
  onClose(client: Client, err?: Error): void;
}
