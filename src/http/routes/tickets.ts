import { isTicketStatus, TICKET_STATUSES, type TicketFilter } from '../../domain/tickets/model.js';
import type { TicketService } from '../../domain/tickets/service.js';
import { UserError } from '../../errors.js';
import { HttpError, type Router } from '../router.js';
import { intParam } from './params.js';

const STATUS_VALUES = ['active', 'all', ...TICKET_STATUSES];

/** Read-only ticket API: lists for dashboards and scripts, one ticket with its timeline and commits. */
export function ticketRoutes(router: Router, deps: { tickets: TicketService }): void {
  router.add('GET', '/api/v1/tickets', async ({ url }) => {
    const filter: TicketFilter = {};
    let limit = 100;
    let offset = 0;
    for (const [key, value] of url.searchParams) {
      if (key === 'status') {
        if (value !== 'active' && value !== 'all' && !isTicketStatus(value)) throw new HttpError(400, `status must be one of ${STATUS_VALUES.join(', ')}`, key);
        filter.status = value;
      } else if (key === 'assignee') filter.assignee = value;
      else if (key === 'host') {
        try {
          filter.serverId = (await deps.tickets.server(value)).id;
        } catch (err) {
          if (err instanceof UserError) throw new HttpError(400, err.message, key);
          throw err;
        }
      } else if (key === 'q') filter.search = value;
      else if (key === 'limit') limit = intParam(key, value, 1, 1000);
      else if (key === 'offset') offset = intParam(key, value, 0, Number.MAX_SAFE_INTEGER);
      else throw new HttpError(400, `unknown parameter '${key}' (parameters: status, assignee, host, q, limit, offset)`, key);
    }
    // The API lists every status unless asked; chat lists the active ones.
    filter.status ??= 'all';
    let r;
    try {
      r = await deps.tickets.list(filter, limit, offset);
    } catch (err) {
      if (err instanceof UserError) throw new HttpError(400, err.message, 'q');
      throw err;
    }
    return { status: 200, body: { total: r.total, limit, offset, tickets: r.tickets } };
  });

  router.add('GET', '/api/v1/tickets/:id', async ({ params }) => {
    const id = intParam('id', params.id!.replace(/^#/, ''), 1, Number.MAX_SAFE_INTEGER);
    const ticket = await deps.tickets.get(id);
    if (!ticket) return { status: 404, body: { error: `no ticket #${id}` } };
    const [watchers, commits, timeline] = await Promise.all([deps.tickets.watchers(id), deps.tickets.commits(id), deps.tickets.timeline(id, 1000)]);
    return { status: 200, body: { ticket, watchers, commits, timeline } };
  });
}
