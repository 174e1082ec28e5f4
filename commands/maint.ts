import { hashIdArg } from '../src/chat/args.js';
import { reply, UsageError, type Command, type CommandAction, type CommandContext } from '../src/chat/command.js';
import { bold, join, line, list, richText, text, tone, type Inline } from '../src/chat/rich-text.js';
import type { MaintenanceWindow, WindowStatus } from '../src/domain/maintenance/model.js';
import { resolveTargets } from '../src/domain/maintenance/targets.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { formatDuration } from '../src/time/duration.js';
import { formatTime } from '../src/time/format.js';
import { parseDurationWord, parseTime } from '../src/time/parse-time.js';
import { actorOf } from './format/actor.js';

const CHANNEL_LINES = 5;
const DAY_MS = 86_400_000;

const STATUS_TONE: Record<WindowStatus, 'warning' | 'info' | 'critical' | 'ok' | 'muted'> = {
  in_progress: 'warning', scheduled: 'info', overdue: 'critical', done: 'ok', cancelled: 'muted',
};

const windowId = (word: string | undefined) => hashIdArg(word, 'a maintenance id');

/** One line per window: `#12 in_progress kernel update 02:00–04:00 JST on web01,web0[2-4] (owner alice)`. */
function windowLine(ctx: CommandContext<Services>, w: MaintenanceWindow): Inline[] {
  return [tone(STATUS_TONE[w.status], w.status.replace('_', ' ')), ' ', ...ctx.services.maintenance.describe(w)];
}

/** Where a window planned here announces: this channel (unless a DM) and the configured ones. */
function channelsFor(ctx: CommandContext<Services>): string[] {
  const here = ctx.message.direct ? [] : [ctx.message.channel];
  const all = [...new Set([...here, ...ctx.services.maintenanceChannels])];
  return all.length > 0 ? all : [ctx.message.channel];
}

/** The hosts= option, present; the service checks what it covers when planning. */
function requireHosts(hosts: string | undefined): string {
  if (!hosts) throw new UsageError('which hosts?');
  return hosts;
}

const start: CommandAction<Services> = {
  summary: 'Start a maintenance window now: its hosts go to maintenance and their alerts are held back.',
  usage: 'TITLE… hosts=LIST for=DURATION',
  examples: ['maint start kernel update hosts=web01,web0[2-4] for=2h', 'maint start db failover hosts=role:db:master for=30m'],
  role: 'operator',
  options: { hosts: 'names, globs and role:NAME, comma-separated', for: 'how long it is planned to take, e.g. 2h' },
  freeText: true,
  async run(ctx, args) {
    const hosts = requireHosts(args.options.hosts);
    if (!args.options.for) throw new UsageError('for how long?');
    const durationMs = parseDurationWord(args.options.for, 'the window (for=)');
    const w = await ctx.services.maintenance.plan(
      { title: args.positional.join(' '), targets: hosts, startsAt: ctx.clock.now(), durationMs, owner: ctx.message.user.name, channels: channelsFor(ctx) },
      actorOf(ctx),
    );
    const covered = (await ctx.services.maintenanceStore.hosts(w.id)).length;
    return reply(richText(line(...join([bold(`maintenance #${w.id} started:`), w.title, `— ${covered} host${covered === 1 ? '' : 's'} until ${formatTime(w.ends_at, ctx.services.timezone)}`]))));
  },
};

const schedule: CommandAction<Services> = {
  summary: 'Plan a maintenance window for later, once (at= or in=) or recurring (every= a cron expression).',
  usage: 'TITLE… hosts=LIST for=DURATION at=TIME|in=DURATION|every=CRON',
  examples: ['maint schedule kernel update at="2026-12-01 02:00" for=2h hosts=db*', 'maint schedule disk swap in=30m for=1h hosts=web03', 'maint schedule backup window every="0 3 * * 0" for=1h hosts=role:db:master'],
  role: 'operator',
  options: {
    hosts: 'names, globs and role:NAME, comma-separated',
    for: 'how long it is planned to take, e.g. 2h',
    at: 'when: "2026-12-01 02:00", "tomorrow 02:00", "sun 03:00" (in the configured zone unless it names one)',
    in: 'when, from now: 30m, 2h',
    every: 'recurring: a cron expression, "0 3 * * 0" = Sundays 03:00',
  },
  freeText: true,
  async run(ctx, args) {
    const hosts = requireHosts(args.options.hosts);
    if (!args.options.for) throw new UsageError('for how long?');
    const durationMs = parseDurationWord(args.options.for, 'the window (for=)');
    const when = ['at', 'in', 'every'].filter((k) => args.options[k] !== undefined);
    if (when.length !== 1) throw new UsageError('say when with exactly one of at=, in= or every=');
    const { maintenance, timezone } = ctx.services;
    const base = { title: args.positional.join(' '), targets: hosts, durationMs, owner: ctx.message.user.name, channels: channelsFor(ctx) };
    if (args.options.every !== undefined) {
      const { schedule: s, first } = await maintenance.planRecurring({ ...base, cron: args.options.every }, actorOf(ctx));
      return reply(
        richText(line(...join([bold(`recurring maintenance planned:`), s.title, `every "${s.cron}" (${timezone}) for ${formatDuration(s.duration_ms)}`, first ? `— next #${first.id} at ${formatTime(first.starts_at, timezone)}` : `— next at ${formatTime(s.next_at, timezone)}`]))),
      );
    }
    const now = ctx.clock.now();
    const startsAt = args.options.at !== undefined ? parseTime(args.options.at, now, timezone).at : new Date(now.getTime() + parseDurationWord(args.options.in!, 'the start (in=)'));
    const w = await maintenance.plan({ ...base, startsAt }, actorOf(ctx));
    return reply(richText(line(bold(`maintenance #${w.id} planned: `), ...windowLine(ctx, w))));
  },
};

const update: CommandAction<Services> = {
  summary: "Post progress on a window: stored in its timeline and sent to its channels.",
  usage: 'ID TEXT…',
  examples: ['maint update 12 web01 done, starting web02'],
  role: 'operator',
  freeText: true,
  async run(ctx, args) {
    const [word, ...words] = args.positional;
    const id = windowId(word);
    if (words.length === 0) throw new UsageError('what is the news?');
    await ctx.services.maintenance.update(id, ctx.message.user.name, words.join(' '));
    return reply(text(`#${id}: update posted`));
  },
};

const finishAction = (how: 'done' | 'cancelled'): CommandAction<Services> => ({
  summary: how === 'done' ? 'Finish a window: its hosts get their status back.' : 'Cancel a window (planned or running): running hosts get their status back.',
  usage: how === 'done' ? 'ID [note…]' : 'ID [--series] [reason…]',
  examples: how === 'done' ? ['maint done 12', 'maint done 12 all patched'] : ['maint cancel 13 vendor postponed', 'maint cancel 14 --series backups moved'],
  role: 'operator',
  ...(how === 'cancelled' && { flags: { series: 'also stop the recurring schedule this window belongs to' } }),
  freeText: true,
  async run(ctx, args) {
    const [word, ...note] = args.positional;
    const id = windowId(word);
    const { maintenance } = ctx.services;
    const why = note.join(' ') || null;
    const r = args.flags.has('series') ? await maintenance.cancelSeries(id, ctx.message.user.name, why) : await maintenance.finish(id, how, ctx.message.user.name, why);
    return reply(
      richText(
        line(
          ...join([
            bold(`maintenance #${id} ${how}`),
            args.flags.has('series') && '(and its recurring schedule stopped)',
            r.restored.length > 0 && `— ${r.restored.length} host${r.restored.length === 1 ? '' : 's'} back`,
            r.window.started_at && `— ${r.suppressed} alert${r.suppressed === 1 ? ' was' : 's were'} suppressed`,
            r.leftAlone.length > 0 && `— left alone: ${r.leftAlone.join(', ')}`,
          ]),
        ),
      ),
    );
  },
});

const extend: CommandAction<Services> = {
  summary: "Move a window's planned end later.",
  usage: 'ID DURATION',
  examples: ['maint extend 12 30m'],
  role: 'operator',
  async run(ctx, args) {
    const id = windowId(args.positional[0]);
    if (!args.positional[1] || args.positional.length > 2) throw new UsageError();
    const w = await ctx.services.maintenance.extend(id, parseDurationWord(args.positional[1], 'the extension'), ctx.message.user.name);
    return reply(text(`maintenance #${id} now ends ${formatTime(w.ends_at, ctx.services.timezone)}`));
  },
};

const host: CommandAction<Services> = {
  summary: "A host's past, current and planned windows.",
  usage: 'NAME',
  examples: ['maint host web01'],
  role: 'viewer',
  async run(ctx, args) {
    const name = args.positional[0];
    if (!name || args.positional.length > 1) throw new UsageError();
    const server = await ctx.services.inventory.get(name);
    if (!server) throw new UserError(`no server '${name}'`);
    const started = await ctx.services.maintenanceStore.forServer(server.id, 20);
    // Planned windows have no hosts yet: match their targets now.
    const planned: MaintenanceWindow[] = [];
    for (const w of await ctx.services.maintenanceStore.current(new Date(ctx.clock.now().getTime() + 365 * DAY_MS))) {
      if (w.status === 'scheduled' && (await resolveTargetsSafe(ctx, w.targets)).includes(server.id)) planned.push(w);
    }
    const all = [...planned, ...started].slice(0, CHANNEL_LINES);
    if (all.length === 0) return reply(text(`${server.name}: no maintenance windows`));
    return reply(richText(line(bold(server.name), ` maintenance windows (${all.length}):`), list(all.map((w) => windowLine(ctx, w)))));
  },
};

async function resolveTargetsSafe(ctx: CommandContext<Services>, targets: string): Promise<number[]> {
  try {
    return (await resolveTargets(ctx.services.inventory, targets)).servers.map((s) => s.id);
  } catch {
    return [];
  }
}

export const maint: Command<Services> = {
  name: 'maint',
  aliases: ['maintenance'],
  summary: 'Maintenance windows: running now and the next 24 h, or one window in detail.',
  usage: '[ID]',
  examples: ['maint', 'maint 12'],
  role: 'viewer',
  async run(ctx, args) {
    const { maintenance, maintenanceStore, timezone } = ctx.services;
    const word = args.positional[0];
    if (word !== undefined) {
      const w = await maintenance.require(windowId(word));
      const hosts: string[] = [];
      for (const h of await maintenanceStore.hosts(w.id)) {
        const name = (await ctx.services.inventory.getById(h.server_id))?.name;
        if (name) hosts.push(name);
      }
      const updates = await maintenanceStore.updates(w.id, CHANNEL_LINES);
      return reply(
        richText(
          line(...windowLine(ctx, w)),
          ...(hosts.length > 0 ? [line(`hosts (${hosts.length}): ${hosts.slice(0, 20).join(', ')}${hosts.length > 20 ? ', …' : ''}`)] : []),
          line(`announces to ${w.channels.join(', ')}`, w.schedule_id ? ` — recurring (schedule ${w.schedule_id})` : ''),
          list(updates.map((u) => join([formatTime(u.at, timezone), bold(u.kind), `by ${u.actor}`, u.text && `— ${u.text}`]))),
        ),
      );
    }
    const until = new Date(ctx.clock.now().getTime() + DAY_MS);
    // Recurring occurrences become windows shortly before they start: list the ones due today too.
    const items: Inline[][] = [
      ...(await maintenanceStore.current(until)).map((w) => windowLine(ctx, w)),
      ...(await maintenanceStore.dueSchedules(until)).map((r) => join([tone('info', 'recurring'), bold(r.title), formatTime(r.next_at, timezone), `for ${formatDuration(r.duration_ms)}`, `on ${r.targets}`, tone('muted', `(every "${r.cron}")`)])),
    ];
    if (items.length === 0) return reply(text('no maintenance running or planned in the next 24 h'));
    const blocks = [line(bold(`${items.length} maintenance window${items.length === 1 ? '' : 's'}`), ' (running, then the next 24 h):'), list(items.slice(0, CHANNEL_LINES))];
    if (items.length > CHANNEL_LINES) blocks.push(line(`…and ${items.length - CHANNEL_LINES} more`));
    return reply(richText(...blocks));
  },
  subcommands: { start, schedule, update, done: finishAction('done'), cancel: finishAction('cancelled'), extend, host },
};

