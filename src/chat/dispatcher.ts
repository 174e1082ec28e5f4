import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { errorId, UserError } from '../errors.js';
import { UsageError, type Command, type CommandAction, type Reply } from './command.js';
import { splitArgs, tokenize, type ParsedArgs } from './command-line.js';
import { usageMessage } from './help.js';
import type { InboundMessage, Platform } from './message.js';
import { roleAtLeast, type Permissions } from './permissions.js';
import { text, type RichText } from './rich-text.js';
import { closest } from './suggest.js';

export interface DispatcherDeps<S> {
  commands: readonly Command<S>[];
  services: S;
  permissions: Permissions;
  prefix: string;
  /** A platform whose users type another prefix (`irc.prefix`). */
  platformPrefixes?: Partial<Record<Platform, string>>;
  clock: Clock;
  log: Logger;
  /** Writes to the outbox; resolves once the row is written. */
  post(channel: string, body: RichText): Promise<unknown>;
}

/**
 * Turns a chat message into a command run: finds the command text (prefix,
 * the bot's name, or a private message), parses it, checks the role, runs the
 * handler and catches whatever it throws. Never throws itself.
 */
export class Dispatcher<S> {
  private readonly byName = new Map<string, Command<S>>();
  /** Names the bot answers to when addressed (`opsbridge: server web01`); adapters add their nick. */
  private readonly names = new Set<string>(['opsbridge']);

  constructor(private readonly deps: DispatcherDeps<S>) {
    for (const c of deps.commands) {
      for (const n of [c.name, ...(c.aliases ?? [])]) {
        if (this.byName.has(n)) throw new Error(`command name '${n}' is declared twice`);
        this.byName.set(n, c);
      }
    }
  }

  prefixFor(platform: Platform): string {
    return this.deps.platformPrefixes?.[platform] ?? this.deps.prefix;
  }

  addName(name: string): void {
    this.names.add(name.toLowerCase());
  }

  /** The command text of a message, or null when the message is not for the bot. */
  commandText(msg: InboundMessage): string | null {
    const t = msg.text.trim();
    const prefix = this.prefixFor(msg.platform);
    if (t.startsWith(prefix)) {
      const rest = t.slice(prefix.length);
      // "!!!" or "! " is chat, not a command.
      return /^[A-Za-z]/.test(rest) ? rest : null;
    }
    const addressed = /^@?([\w[\]\\`^{}|-]+)[:,]\s*(.*)$/s.exec(t);
    if (addressed && this.names.has(addressed[1]!.toLowerCase())) return addressed[2]!.trim();
    if (msg.direct || msg.addressed) return t;
    return null;
  }

  /** Runs the message's command. Returns null when the message is not a command. */
  async handle(msg: InboundMessage): Promise<Reply | null> {
    const line = this.commandText(msg);
    if (line === null) return null;
    const role = this.deps.permissions.roleOf(msg.user.identity);
    const prefix = this.prefixFor(msg.platform);
    // What is running, for a UsageError's answer.
    let running: { command: Command<S>; action: CommandAction<S>; label: string } | undefined;
    try {
      if (line === '') return this.fail(`yes? Try ${prefix}help`);
      const tokens = tokenize(line);
      const name = tokens.shift()!.value.toLowerCase();
      const command = this.byName.get(name);
      if (!command) return this.fail(this.unknownCommand(name, prefix));

      let action: CommandAction<S> = command;
      let label = command.name;
      const subName = tokens[0] && !tokens[0].quoted ? tokens[0].value.toLowerCase() : undefined;
      if (subName !== undefined && command.subcommands && Object.hasOwn(command.subcommands, subName)) {
        tokens.shift();
        action = command.subcommands[subName]!;
        label = `${command.name} ${subName}`;
      }
      if (!roleAtLeast(role, action.role)) {
        const who = msg.user.identity ? `you are ${role}` : `you are not identified, so you are ${role} (log in to your account)`;
        return this.fail(`'${label}' needs the ${action.role} role; ${who}`);
      }
      const args = splitArgs(tokens, action.freeText ? Object.keys(action.options ?? {}) : undefined);
      checkOptions(args, action, label, prefix);
      running = { command, action, label };
      return await action.run(
        {
          message: msg,
          role,
          services: this.deps.services,
          clock: this.deps.clock,
          prefix,
          commands: this.deps.commands,
          post: this.deps.post,
        },
        args,
      );
    } catch (err) {
      if (err instanceof UsageError && running) return this.fail(usageMessage(err, running.command, running.action, running.label, prefix));
      if (err instanceof UserError) return this.fail(err.message);
      const id = errorId();
      this.deps.log.error({ err, errorId: id, command: line, channel: msg.channel, user: msg.user.identity ?? msg.user.name }, 'command failed');
      return this.fail(`something went wrong on my side (error id ${id}); the details are in the bot's log`);
    }
  }

  private unknownCommand(name: string, prefix: string): string {
    const hint = closest(name, this.byName.keys(), 1)[0];
    const help = `(${prefix}help lists commands)`;
    return hint ? `unknown command '${name}' — did you mean '${hint}'? ${help}` : `unknown command '${name}' ${help}`;
  }

  private fail(message: string): Reply {
    return { body: text(message), ok: false };
  }
}

/** Rejects options and flags the action does not declare, with a suggestion. */
function checkOptions<S>(args: ParsedArgs, action: CommandAction<S>, label: string, prefix: string): void {
  const options = Object.keys(action.options ?? {});
  for (const key of Object.keys(args.options)) {
    if (options.includes(key)) continue;
    const hint = closest(key, options, 1)[0];
    throw new UserError(
      `'${label}' has no option '${key}'` + (hint ? ` — did you mean '${hint}'?` : options.length ? ` (options: ${options.join(', ')})` : '') + ` (${prefix}help ${label.split(' ')[0]})`,
    );
  }
  const flags = Object.keys(action.flags ?? {});
  for (const f of args.flags) {
    if (flags.includes(f)) continue;
    const hint = closest(f, flags, 1)[0];
    throw new UserError(`'${label}' has no flag --${f}` + (hint ? ` — did you mean --${hint}?` : '') + ` (${prefix}help ${label.split(' ')[0]})`);
  }
}
