import type { Command, CommandAction, UsageError } from './command.js';
import { roleAtLeast, type Role } from './permissions.js';
import { bold, code, join, line, list, richText, tone, type Inline, type RichText } from './rich-text.js';

/**
 * Help is generated from the command declarations: `!help`, `!help NAME`
 * and the README's command reference all come from here, so there is no
 * second copy to fall out of date.
 */

function actions<S>(c: Command<S>): [string, CommandAction<S>][] {
  return [[c.name, c], ...Object.entries(c.subcommands ?? {}).map(([n, a]): [string, CommandAction<S>] => [`${c.name} ${n}`, a])];
}

/** How an action is typed, from its declaration: `!ticket take ID`. */
export function usageText<S>(prefix: string, label: string, action: CommandAction<S>): string {
  return `${prefix}${label}${action.usage ? ' ' + action.usage : ''}`;
}

/**
 * How the action `label` (`'ticket assign'`) is typed, for a reply that
 * points at another command. An undeclared label is the bot's mistake.
 */
export function usageOf<S>(commands: readonly Command<S>[], prefix: string, label: string): string {
  const [name, sub] = label.split(' ');
  const command = commands.find((c) => c.name === name);
  const action = sub === undefined ? command : command?.subcommands?.[sub];
  if (!action) throw new Error(`no command '${label}' is declared`);
  return usageText(prefix, label, action);
}

/**
 * The answer to a UsageError thrown by `action` (run as `label`): the
 * problem, the declared usage, then the hint or else the first example
 * that shows an argument (or the word the error asks for).
 */
export function usageMessage<S>(err: UsageError, command: Command<S>, action: CommandAction<S>, label: string, prefix: string): string {
  const { problem, extra } = err;
  let out = `${problem ? problem + (/[?!]$/.test(problem) ? ' ' : ' — ') : ''}usage: ${usageText(prefix, label, action)}`;
  if (extra.subcommands && action === command && command.subcommands) out += `, or ${prefix}${command.name} ${Object.keys(command.subcommands).join('|')} …`;
  const example = action.examples.find((e) => (extra.example ? e.split(' ').includes(extra.example) : e.trim() !== label));
  if (extra.hint) out += ` ${extra.hint}`;
  else if (example) out += ` (e.g. ${prefix}${example})`;
  return out;
}

/** `!help`: one line per command. */
export function helpIndex<S>(commands: readonly Command<S>[], prefix: string, role: Role): RichText {
  const items = commands.map((c) => {
    const locked = !roleAtLeast(role, c.role);
    return join([bold(prefix + c.name), '—', c.summary, locked && tone('muted', `(${c.role})`)]);
  });
  return richText(list(items), line(`${prefix}help COMMAND shows usage and examples.`));
}

/** `!help server`: usage of the command and its subcommands, options and examples. */
export function helpFor<S>(command: Command<S>, prefix: string): RichText {
  const blocks = [line(bold(`${prefix}${command.name}`), command.aliases?.length ? ` (also ${command.aliases.map((a) => prefix + a).join(', ')})` : '', ' — ', command.summary)];
  const items: Inline[][] = actions(command).map(([label, a]) =>
    join([code(usageText(prefix, label, a)), a !== command && `— ${a.summary}`, a.role !== 'viewer' && tone('muted', `(${a.role})`)]),
  );
  blocks.push(list(items));
  const opts = actions(command).flatMap(([, a]) => [
    ...Object.entries(a.options ?? {}).map(([k, d]) => `${k}=… ${d}`),
    ...Object.entries(a.flags ?? {}).map(([k, d]) => `--${k} ${d}`),
  ]);
  if (opts.length > 0) blocks.push(line('options: ', [...new Set(opts)].join('; ')));
  const examples = actions(command).flatMap(([, a]) => a.examples);
  if (examples.length > 0) blocks.push(line('e.g. ', ...join(examples.map((e) => code(prefix + e)), ' · ')));
  return richText(...blocks);
}

/** Markdown command reference for the README. */
export function commandReferenceMarkdown<S>(commands: readonly Command<S>[], prefix: string): string {
  const out: string[] = [];
  for (const c of commands) {
    out.push(`### \`${prefix}${c.name}\`${c.aliases?.length ? ` (also ${c.aliases.map((a) => `\`${prefix}${a}\``).join(', ')})` : ''}`, '', c.summary, '');
    out.push('| usage | what it does | role |', '| --- | --- | --- |');
    for (const [label, a] of actions(c)) {
      const cell = (t: string) => t.replace(/\|/g, '\\|');
      out.push(`| \`${cell(usageText(prefix, label, a))}\` | ${cell(a.summary)} | ${a.role} |`);
    }
    out.push('');
    // An option several subcommands share is described once.
    const described = new Set<string>();
    for (const [, a] of actions(c)) {
      const entries = [...Object.entries(a.options ?? {}).map(([k, d]) => [`${k}=…`, d]), ...Object.entries(a.flags ?? {}).map(([k, d]) => [`--${k}`, d])];
      for (const [name, d] of entries) {
        if (described.has(name!)) continue;
        described.add(name!);
        out.push(`- \`${name}\` ${d}`);
      }
    }
    const examples = actions(c).flatMap(([, a]) => a.examples);
    if (examples.length) out.push(`- Examples: ${examples.map((e) => `\`${prefix}${e}\``).join(', ')}`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
