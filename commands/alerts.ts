import { hashIdArg } from '../src/chat/args.js';
import { reply, UsageError, type Command } from '../src/chat/command.js';
import { bold, join, line, list, richText, text, tone } from '../src/chat/rich-text.js';
import { alertBrief, alertUrl } from '../src/domain/alerts/format.js';
import { severityOf } from '../src/domain/alerts/model.js';
import type { AlertQuery } from '../src/domain/alerts/store.js';
import type { Services } from '../src/services.js';
import { formatTime } from '../src/time/format.js';
import { actorOf } from './format/actor.js';
import { moreLine } from './format/more.js';

const CHANNEL_LINES = 5;
/** `!alerts --all` shows resolved alerts seen this recently. */
const RECENT_MS = 24 * 3_600_000;

const alertId = (word: string | undefined) => hashIdArg(word, 'an alert id');

export const alerts: Command<Services> = {
  name: 'alerts',
  summary: 'List firing alerts, newest first, optionally for one host, severity or alert name.',
  usage: '[HOST|SEVERITY|NAME] [--all]',
  examples: ['alerts', 'alerts web01', 'alerts critical', 'alerts DiskFull', 'alerts --all'],
  role: 'viewer',
  flags: { all: 'also silenced, suppressed and resolved in the last 24 h' },
  async run(ctx, args) {
    if (args.positional.length > 1) throw new UsageError();
    const all = args.flags.has('all');
    const q: AlertQuery = all
      ? { status: 'all', firingOrSeenSince: new Date(ctx.clock.now().getTime() - RECENT_MS).toISOString(), limit: CHANNEL_LINES }
      : { status: 'firing', includeQuiet: false, limit: CHANNEL_LINES };
    const word = args.positional[0];
    const { alertStore } = ctx.services;
    if (word) {
      const severity = severityOf(word);
      if (severity) q.severity = severity;
      else if ((await alertStore.list({ ...q, name: word, limit: 1 })).total > 0) q.name = word;
      else q.host = word;
    }
    const { total, alerts: shown } = await alertStore.list(q);
    const what = [word, all ? '(all, last 24 h)' : ''].filter(Boolean).join(' ');
    if (total === 0) return reply(text(all ? `no alerts${word ? ` for ${word}` : ''} in the last 24 h` : `nothing firing${word ? ` for ${word}` : ''}`));
    const now = ctx.clock.now();
    const head = line(bold(`${total} ${all ? 'alert' : 'firing alert'}${total === 1 ? '' : 's'}`), what ? ` ${what}` : '', ':');
    const params = new URLSearchParams({ status: all ? 'all' : 'firing', ...(word && { [q.severity ? 'severity' : q.name ? 'name' : 'host']: word }) });
    const more = moreLine(total - shown.length, ctx.services.links.alerts(params));
    return reply(richText(head, list(shown.map((a) => alertBrief(a, now))), ...(more ? [more] : [])));
  },
};

export const alert: Command<Services> = {
  name: 'alert',
  summary: "Show one alert's details and history.",
  usage: 'ID',
  examples: ['alert 42'],
  role: 'viewer',
  async run(ctx, args) {
    const id = alertId(args.positional[0]);
    const { alertStore, timezone, links } = ctx.services;
    const a = await ctx.services.alerts.requireAlert(id);
    const now = ctx.clock.now();
    const url = alertUrl(a, links);
    const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' ');
    const events = await alertStore.events(id, CHANNEL_LINES);
    return reply(
      richText(
        line(...alertBrief(a, now)),
        line(
          ...join([
            `started ${formatTime(a.started_at, timezone)}`,
            a.resolved_at && `resolved ${formatTime(a.resolved_at, timezone)}`,
            `source ${a.source}`,
            a.text && `— ${a.text}`,
          ]),
        ),
        ...(labels ? [line(tone('muted', labels))] : []),
        ...(url ? [line(url)] : []),
        list(events.map((e) => join([formatTime(e.at, timezone), bold(e.kind), e.actor && `by ${e.actor}`, e.detail && `— ${e.detail}`]))),
      ),
    );
  },
};

export const ack: Command<Services> = {
  name: 'ack',
  summary: 'Acknowledge a firing alert: stops its reminders and tells its channels who took it.',
  usage: 'ID [note…]',
  examples: ['ack 42', 'ack 42 looking into it'],
  role: 'operator',
  freeText: true,
  async run(ctx, args) {
    const [word, ...note] = args.positional;
    const id = alertId(word);
    const a = await ctx.services.alerts.ack(id, { name: ctx.message.user.name, actor: actorOf(ctx) }, note.join(' ') || null, ctx.message.channel);
    return reply(richText(line(...join(['✔', bold(`#${a.id} ${a.name}`), a.host && `on ${a.host}`, `acknowledged by ${ctx.message.user.name}`, a.ack_note && `— ${a.ack_note}`]))));
  },
};

