import type { Clock } from '../clock.js';
import { UserError } from '../errors.js';
import type { ParsedArgs } from './command-line.js';
import type { InboundMessage } from './message.js';
import type { Role } from './permissions.js';
import type { RichText } from './rich-text.js';

export interface Reply {
  body: RichText;
  /** False for a user error: `opsbridge run` exits 1. */
  ok: boolean;
  /** Send to the asking user only (a private message, a Slack ephemeral), not the channel. */
  private?: boolean;
}

export interface CommandContext<S> {
  message: InboundMessage;
  role: Role;
  services: S;
  clock: Clock;
  /** The prefix in use, for replies that tell the user what to type next. */
  prefix: string;
  /** Every command, for `!help`. */
  commands: readonly Command<S>[];
  /** Posts to any channel through the outbox; resolves once the row is written (its value means nothing). */
  post(channel: string, body: RichText): Promise<unknown>;
}

/**
 * One action a user can run. Its declaration is the only copy of its help:
 * `!help`, the README's command reference and error hints read it.
 */
export interface CommandAction<S> {
  summary: string;
  /** Arguments after the command (and subcommand) name, e.g. `NAME status=STATUS [reason…]`. */
  usage: string;
  examples: string[];
  role: Role;
  /** Accepted `key=value` options and what they do. */
  options?: Record<string, string>;
  /** Accepted `--flags` and what they do. */
  flags?: Record<string, string>;
  /**
   * When true, an undeclared `key=value` word is free text (a reason, a
   * comment) rather than a mistyped option.
   */
  freeText?: boolean;
  run(ctx: CommandContext<S>, args: ParsedArgs): Reply | Promise<Reply>;
}

export interface Command<S> extends CommandAction<S> {
  name: string;
  aliases?: string[];
  /** `!server set …`, `!server history …`: chosen by the first word after the command name. */
  subcommands?: Record<string, CommandAction<S>>;
}

/**
 * A command typed wrongly. The dispatcher answers with what was wrong (if
 * anything more than the shape) and the running action's declared usage, so
 * no command types its usage a second time:
 * `which ticket? usage: !ticket take ID (e.g. !ticket take 42)`.
 */
export class UsageError extends UserError {
  constructor(
    /** What was wrong, e.g. `which ticket?` or `'x' is not a ticket number: …`; none when the shape says it. */
    readonly problem?: string,
    readonly extra: {
      /** Said after the usage instead of its example: a pointer elsewhere, or a guess at what was meant. */
      hint?: string;
      /** Show the first declared example with this word (`search`), rather than the first with any argument. */
      example?: string;
      /** Also name the subcommands (`, or !ticket new|assign|… …`): for a command typed with nothing after it. */
      subcommands?: boolean;
    } = {},
  ) {
    super(problem ?? 'not the way this command is typed');
  }
}

export function reply(body: RichText, extra: Partial<Omit<Reply, 'body'>> = {}): Reply {
  return { body, ok: true, ...extra };
}
