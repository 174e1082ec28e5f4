import { reply, type Command } from '../src/chat/command.js';
import { bold, line, richText, type Inline } from '../src/chat/rich-text.js';
import { isStatus, STATUSES, type ServerFilter } from '../src/domain/servers/model.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { statusLabel } from './format/server.js';
import { moreLine } from './format/more.js';

const NAMES_SHOWN = 10;

export const servers: Command<Services> = {
  name: 'servers',
  summary: 'Count hosts by status and list the first names, optionally filtered.',
  usage: '[role=R] [status=S] [dc=D] [service=X] [tag=T] [name=GLOB]',
  examples: ['servers', 'servers role=db:master', 'servers dc=tokyo1 status=poweroff', 'servers name=web*'],
  role: 'viewer',
  options: {
    role: 'hosts with this role (globs allowed: db:*)',
    status: `hosts in this status (${STATUSES.join(', ')})`,
    dc: 'hosts in this datacenter',
    service: 'hosts of this service',
    tag: 'hosts with this tag',
    name: 'hosts whose name matches this glob',
  },
  async run(ctx, args) {
    if (args.positional.length > 0) {
      throw new UserError(`'${args.positional[0]}' is not a filter: use key=value, e.g. ${ctx.prefix}servers role=${args.positional[0]} (or ${ctx.prefix}server ${args.positional[0]} for one host)`);
    }
    const filter: ServerFilter = { ...args.options };
    if (filter.status && !/[*?[]/.test(filter.status) && !isStatus(filter.status.toLowerCase())) {
      throw new UserError(`unknown status '${filter.status}' — use one of ${STATUSES.join(', ')}`);
    }
    const { inventory } = ctx.services;
    const counts = await inventory.countByStatus(filter);
    const total = counts.reduce((n, c) => n + c.count, 0);
    const described = Object.entries(args.options).map(([k, v]) => `${k}=${v}`).join(' ');
    if (total === 0) return reply(richText(line(`no servers${described ? ` match ${described}` : ' in the inventory yet (opsbridge servers import FILE)'}`)));
    // The counts above already give the total: only the first names are needed.
    const first = await inventory.page(filter, NAMES_SHOWN);
    const byStatus: Inline[] = counts.flatMap((c, i) => [i > 0 ? ', ' : '', `${c.count} `, statusLabel(c.status)]);
    const head = line(bold(`${total} server${total === 1 ? '' : 's'}`), described ? ` (${described})` : '', ': ', ...byStatus);
    const names = line(first.map((s) => s.name).join(', '));
    const more = moreLine(total - first.length, ctx.services.links.servers({ ...args.options }));
    const running = (await ctx.services.maintenanceStore.current(ctx.clock.now())).filter((w) => w.status !== 'scheduled');
    const maint = running.length > 0 ? [line(`maintenance running: ${running.slice(0, 3).map((w) => `#${w.id} ${w.title} (${w.targets})`).join(', ')}${running.length > 3 ? ', …' : ''} — ${ctx.prefix}maint`)] : [];
    return reply(richText(head, names, ...(more ? [more] : []), ...maint));
  },
};
