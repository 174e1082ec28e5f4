import { eventText, statusLabel } from '../../../domain/tickets/format.js';
import { TICKET_STATUSES, type Ticket, type TicketCommit, type TicketEvent, type TicketFilter, type TicketStatus } from '../../../domain/tickets/model.js';
import { UserError } from '../../../errors.js';
import { html, type Html } from '../html.js';
import { choices, externalLink, hostLinks, hrefWith, inlineHtml, notice, pageNumber, pager, parseId, PER_PAGE, priorityPill, since, ticketStatusPill, time } from './format.js';
import type { BoardContext, PageHandler } from './page.js';

/**
 * `/tickets`: tickets most urgent first, filtered by status, assignee, host
 * and words (as `!tickets` and `!tickets search`), a page at a time; and
 * `/tickets/ID`: one ticket in full, with its commits and whole timeline.
 */

type StatusFilter = TicketStatus | 'active' | 'all';
const STATUS_FILTERS: readonly StatusFilter[] = ['active', 'all', ...TICKET_STATUSES];
/** Far more timeline entries than any ticket has: the page shows the whole timeline. */
const ALL_EVENTS = 100_000;

export const ticketsPage: PageHandler = async (ctx) => {
  const notices: string[] = [];
  const statusWord = (ctx.query.get('status') ?? '').trim().toLowerCase().replace(/[ -]/g, '_');
  let status: StatusFilter = 'active';
  if (statusWord) {
    if ((STATUS_FILTERS as readonly string[]).includes(statusWord)) status = statusWord as StatusFilter;
    else notices.push(`unknown status '${statusWord}': use ${STATUS_FILTERS.join(', ')}`);
  }
  const assignee = (ctx.query.get('assignee') ?? '').trim().replace(/^@/, '').slice(0, 100);
  const q = (ctx.query.get('q') ?? '').trim().slice(0, 500);
  const page = pageNumber(ctx.query);

  const host = (ctx.query.get('host') ?? '').trim().slice(0, 255);

  let total = 0;
  let tickets: Ticket[] = [];
  let searchError: string | null = null;
  let hostName = host;
  try {
    // A host as chat takes it (name, FQDN or address), and words to find: both may be wrong, and say how.
    const server = host ? await ctx.services.tickets.server(host) : null;
    if (server) hostName = server.name;
    const filter: TicketFilter = { status, ...(assignee && { assignee }), ...(q && { search: q }), ...(server && { serverId: server.id }) };
    ({ total, tickets } = await ctx.services.tickets.list(filter, PER_PAGE, (page - 1) * PER_PAGE));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    searchError = err.message;
  }

  const params = { status: status === 'active' ? undefined : status, assignee: assignee || undefined, host: host || undefined, q: q || undefined };
  const now = ctx.clock.now();
  const body = html`<h1>Tickets</h1>
${notices.map(notice)}
<div class="toolbar">
  ${choices({ label: 'status', current: status, options: STATUS_FILTERS.map((s) => [s, s.replace('_', ' ')] as const), href: (s) => hrefWith('/tickets', { ...params, status: s === 'active' ? undefined : s }) })}
  <form method="get" action="/tickets">
    ${params.status ? html`<input type="hidden" name="status" value="${params.status}">` : ''}
    ${host ? html`<input type="hidden" name="host" value="${host}">` : ''}
    <label>words <input type="search" name="q" value="${q}" placeholder="disk full"></label>
    <label>assignee <input type="search" name="assignee" value="${assignee}" placeholder="alice"></label>
    <button type="submit">filter</button>${q || assignee || host ? html` <a href="${hrefWith('/tickets', { status: params.status })}">clear</a>` : ''}
  </form>
</div>
${searchError !== null
  ? notice(searchError)
  : html`<p class="summary"><span><b>${total}</b> ${status === 'all' ? '' : `${status.replace('_', ' ')} `}ticket${total === 1 ? '' : 's'}${assignee ? ` assigned to ${assignee}` : ''}${host ? html` on ${hostLinks([hostName])}` : ''}${q ? html` matching “${q}”` : ''}</span></p>
${tickets.length === 0
  ? html`<p class="muted">No tickets${page > 1 ? ' on this page' : ''}.</p>`
  : html`<table class="tickets">
<thead><tr><th>#</th><th>priority</th><th>title</th><th>status</th><th>assignee</th><th>hosts</th><th>updated</th></tr></thead>
<tbody>${tickets.map((t) => ticketRow(ctx, t, now))}</tbody>
</table>`}
${pager({ path: '/tickets', params, page, total })}`}`;
  return { title: 'Tickets', section: 'tickets', body };
};

function ticketRow(ctx: BoardContext, t: Ticket, now: Date): Html {
  return html`<tr data-ticket="${t.id}">
<td><a href="/tickets/${t.id}">#${t.id}</a></td>
<td>${priorityPill(t.priority)}</td>
<td><a href="/tickets/${t.id}">${t.title}</a></td>
<td>${ticketStatusPill(t.status)}</td>
<td>${t.assignee ?? html`<span class="muted">unassigned</span>`}</td>
<td>${hostLinks(t.hosts)}</td>
<td>${time(t.updated_at, ctx.timezone)}<br><span class="muted">${since(t.updated_at, now)} ago</span></td>
</tr>`;
}

export const ticketPage: PageHandler = async (ctx) => {
  const id = parseId(ctx.params.id);
  if (id === null) return null;
  const { tickets } = ctx.services;
  const t = await tickets.get(id);
  if (!t) return null;
  const tz = ctx.timezone;
  const [watchers, commits, timeline] = await Promise.all([tickets.watchers(id), tickets.commits(id), tickets.timeline(id, ALL_EVENTS)]);
  const body = html`<p><a href="/tickets">‹ tickets</a></p>
<h1>#${t.id} ${t.title}</h1>
<dl class="fields">
  <dt>status</dt><dd>${ticketStatusPill(t.status)}${t.closed_at ? html` <span class="muted">${time(t.closed_at, tz)}</span>` : ''}</dd>
  <dt>priority</dt><dd>${priorityPill(t.priority)}</dd>
  <dt>reporter</dt><dd>${t.reporter}</dd>
  <dt>assignee</dt><dd>${t.assignee ?? html`<span class="muted">unassigned</span>`}</dd>
  <dt>hosts</dt><dd>${hostLinks(t.hosts)}</dd>
  <dt>watchers</dt><dd>${watchers.length > 0 ? watchers.join(', ') : html`<span class="muted">nobody</span>`}</dd>
  <dt>opened</dt><dd>${time(t.created_at, tz)}${t.channel ? html` <span class="muted">in ${t.channel}</span>` : ''}</dd>
  <dt>updated</dt><dd>${time(t.updated_at, tz)}</dd>
</dl>
<h2>Description</h2>
${t.description ? html`<div class="pre description">${t.description}</div>` : html`<p class="muted">No description.</p>`}
<h2>Commits <span class="muted">(${commits.length})</span></h2>
${commits.length === 0
  ? html`<p class="muted">No linked commits.</p>`
  : html`<table class="commits"><thead><tr><th>commit</th><th>subject</th><th>author</th><th>repo</th><th>how</th><th>linked</th></tr></thead>
<tbody>${commits.map((c) => commitRow(c, tz))}</tbody></table>`}
<h2>Timeline</h2>
<table class="timeline"><thead><tr><th>when</th><th>what</th></tr></thead>
<tbody>${timeline.map((e) => html`<tr><td>${time(e.at, tz)}</td><td>${eventHtml(e)}</td></tr>`)}</tbody></table>`;
  return { title: `#${t.id} ${t.title}`, section: 'tickets', body };
};

function commitRow(c: TicketCommit, tz: string): Html {
  const short = c.sha.slice(0, 7);
  return html`<tr>
<td>${c.url ? externalLink(c.url, short) : html`<code>${short}</code>`}</td>
<td>${c.subject}</td>
<td>${c.author}</td>
<td>${c.repo}</td>
<td>${c.action === 'close' ? html`closes${c.closed_at ? html` <span class="muted">(closed ${time(c.closed_at, tz)})</span>` : ''}` : 'refs'}</td>
<td>${time(c.linked_at, tz)}</td>
</tr>`;
}

/** A timeline entry: comments and notes whole (chat cuts them to a line), the rest as chat says them. */
function eventHtml(e: TicketEvent): Html {
  switch (e.kind) {
    case 'comment':
      return html`<b>${e.actor}</b>:<div class="pre">${e.body ?? ''}</div>`;
    case 'status':
      return html`${e.actor} set ${inlineHtml([statusLabel(e.new_value as TicketStatus)])}${e.old_value ? html` <span class="muted">(was ${e.old_value.replace('_', ' ')})</span>` : ''}${e.body ? html`<div class="pre">${e.body}</div>` : ''}`;
    case 'commit':
      return html`${e.url ? externalLink(e.url, (e.sha ?? '').slice(0, 7)) : html`<code>${(e.sha ?? '').slice(0, 7)}</code>`} ${e.body ?? ''}`;
    default:
      return inlineHtml(eventText(e));
  }
}
