import { reply, UsageError, type Command, type CommandContext } from '../src/chat/command.js';
import { bold, join, line, list, richText, text, tone, type RichText } from '../src/chat/rich-text.js';
import { alertBrief } from '../src/domain/alerts/format.js';
import type { HostView, HostViewLimits } from '../src/domain/servers/host-view.js';
import { lookupServers, noSuchServer, requireOneServer } from '../src/domain/servers/lookup.js';
import { isStatus, STATUSES, type Server } from '../src/domain/servers/model.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { formatTime } from '../src/time/format.js';
import { hostTicketsLine, serverBrief, serverLine, statusLabel } from './format/server.js';
import { actorOf } from './format/actor.js';
import { moreLine } from './format/more.js';

/** Lines a reply may take in a channel before the rest is "…and N more". */
const CHANNEL_LINES = 5;
/** Firing alerts and active tickets shown under a host; one more alert is read to know there are more. */
const ALERTS_SHOWN = 3;
const TICKETS_SHOWN = 3;
const SHOWN: HostViewLimits = { firing: ALERTS_SHOWN + 1, tickets: TICKETS_SHOWN };

/** The one host a subcommand's NAME argument names, or its usage when there is none. */
async function hostArgument(ctx: CommandContext<Services>, name: string | undefined): Promise<Server> {
  if (!name) throw new UsageError();
  return requireOneServer(ctx.services.inventory, name);
}

/** A host on one line, then what is going on there now: running maintenance, firing alerts, active tickets. */
function hostReply(ctx: CommandContext<Services>, view: HostView): RichText {
  const { server: s, firing } = view;
  const now = ctx.clock.now();
  const maintLines = view.maintenance.map((w) =>
    line(tone('warning', `in maintenance #${w.id}`), ` ${w.title} until ${formatTime(w.ends_at, ctx.services.timezone)} (owner ${w.owner})`),
  );
  const alertLines = firing.length === 0 ? [] : [list(firing.slice(0, ALERTS_SHOWN).map((a) => alertBrief(a, now)))];
  if (firing.length > ALERTS_SHOWN) alertLines.push(line(`…more: ${ctx.prefix}alerts ${s.name}`));
  const ticketLines = view.tickets.length === 0 ? [] : [hostTicketsLine(view.tickets, view.openTickets, `${ctx.prefix}tickets host=${s.name}`)];
  return richText(line(...serverLine(s)), ...maintLines, ...alertLines, ...ticketLines);
}

export const server: Command<Services> = {
  name: 'server',
  aliases: ['host'],
  summary: 'Look up a host by name, FQDN, IP, CIDR range or glob: its details, firing alerts, maintenance and open tickets.',
  usage: 'NAME|IP|CIDR|GLOB',
  examples: ['server web01', 'server 10.2.0.15', 'server 10.2.0.0/16', 'server web*'],
  role: 'viewer',
  async run(ctx, args) {
    const query = args.positional[0];
    if (!query || args.positional.length > 1) throw new UsageError();
    const r = await lookupServers(ctx.services.inventory, query, CHANNEL_LINES);
    switch (r.kind) {
      case 'one':
        return reply(hostReply(ctx, await ctx.services.hostViews.get(r.server, SHOWN)));
      case 'none':
        return { body: text(noSuchServer(query, r.suggestions)), ok: false };
      case 'many': {
        const head = line(`${r.total} servers match ${query}:`);
        const more = moreLine(r.total - r.servers.length, ctx.services.links.servers({ name: query }));
        return reply(richText(head, list(r.servers.map(serverBrief)), ...(more ? [more] : [])));
      }
    }
  },
  subcommands: {
    set: {
      summary: "Change a host's status and record why in its history.",
      usage: `NAME status=STATUS [reason…]`,
      examples: ['server set web01 status=maintenance disk swap'],
      role: 'operator',
      options: { status: `new status: ${STATUSES.join(', ')}` },
      freeText: true,
      async run(ctx, args) {
        const [name, ...reason] = args.positional;
        const host = await hostArgument(ctx, name);
        const status = args.options.status?.toLowerCase();
        if (!status) throw new UsageError(undefined, { hint: `(status is one of ${STATUSES.join(', ')})` });
        if (!isStatus(status)) throw new UserError(`unknown status '${status}' — use one of ${STATUSES.join(', ')}`);
        const change = await ctx.services.inventory.setStatus(host.id, status, actorOf(ctx), reason.join(' ') || null);
        if (!change) return reply(text(`${host.name} is already ${status}`));
        return reply(richText(line(...join([bold(host.name), statusLabel(change.from_status!), '→', statusLabel(status), change.reason && `(${change.reason})`]))));
      },
    },
    history: {
      summary: "Show a host's status changes, newest first.",
      usage: 'NAME [--full]',
      examples: ['server history web01'],
      role: 'viewer',
      flags: { full: 'the whole history, sent privately' },
      async run(ctx, args) {
        const host = await hostArgument(ctx, args.positional[0]);
        const full = args.flags.has('full');
        const entries = await ctx.services.inventory.history(host.id, full ? 500 : CHANNEL_LINES + 1);
        if (entries.length === 0) return reply(text(`${host.name}: no status changes recorded`));
        const shown = full ? entries : entries.slice(0, CHANNEL_LINES);
        const items = shown.map((h) =>
          join([
            formatTime(h.at, ctx.services.timezone),
            h.from_status ? statusLabel(h.from_status) : 'new',
            '→',
            statusLabel(h.to_status),
            `by ${h.actor}`,
            h.reason && `— ${h.reason}`,
            h.maintenance_id !== null && `(maintenance #${h.maintenance_id})`,
          ]),
        );
        const blocks = [line(bold(host.name), ' status history:'), list(items)];
        if (!full && entries.length > CHANNEL_LINES) blocks.push(line(`…older entries: ${ctx.prefix}server history ${host.name} --full`));
        return reply(richText(...blocks), { private: full });
      },
    },
  },
};
