import type { Alert } from '../../../domain/alerts/model.js';
import type { MaintenanceWindow } from '../../../domain/maintenance/model.js';
import type { AlertBrief, HostViewLimits } from '../../../domain/servers/host-view.js';
import type { Server, StatusChange } from '../../../domain/servers/model.js';
import type { Ticket } from '../../../domain/tickets/model.js';
import { html, type Html } from '../html.js';
import { pill, serverStatusPill, severityPill, time } from './format.js';
import type { BoardContext, PageHandler } from './page.js';

/** How much of each list a host page shows: the latest, which is what an incident needs. */
const LISTED: HostViewLimits = { firing: 100, tickets: 100, closedTickets: true, windows: 20, recentAlerts: 20, statusChanges: 50 };

/** `GET /servers/:name` (a name or an FQDN): everything about one host; null (a 404) for an unknown one. */
export const serverPage: PageHandler = async (ctx) => {
  const asked = ctx.params.name;
  if (!asked) return null;
  const { inventory, hostViews } = ctx.services;
  const s = await inventory.get(asked);
  if (!s) return null;
  const view = await hostViews.get(s, LISTED);

  const body = html`<h1>${s.name} ${serverStatusPill(s.status)}</h1>
${fields(s)}
<p><a href="/logs?host=${encodeURIComponent(s.name)}">Log lines from ${s.name}</a></p>
<h2>Firing alerts</h2>
${firingTable(view.firing, ctx)}
<h2>Recent alerts</h2>
${recentTable(view.recentAlerts, ctx)}
<h2>Maintenance windows</h2>
${windowsTable(view.windows, ctx)}
<h2>Tickets</h2>
${ticketsTable(view.tickets, ctx)}
<h2>Status history</h2>
${historyTable(view.statusChanges, ctx)}`;
  return { title: s.name, section: 'fleet', body };
};

function fields(s: Server): Html {
  const list = (xs: readonly string[]) => (xs.length ? xs.join(' ') : null);
  const rows: Array<[string, Html | string | number | null]> = [
    ['name', s.name],
    ['fqdn', s.fqdn],
    ['ips', list(s.ips)],
    ['roles', list(s.roles)],
    ['service', s.service],
    ['dc', s.dc],
    ['rack', s.rack],
    ['status', serverStatusPill(s.status)],
    ['cpu', s.cpu],
    ['memory', s.memory_gb === null ? null : `${s.memory_gb} GB`],
    ['model', s.model],
    ['os', s.os],
    ['tags', list(s.tags)],
    // User text: escaped like everything else; dl.fields dd keeps its line breaks (pre-wrap).
    ['notes', s.notes],
  ];
  return html`<dl class="fields">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v === null || v === '' ? html`<span class="muted">—</span>` : v}</dd>`)}</dl>`;
}

function none(what: string): Html {
  return html`<p class="muted">${what}</p>`;
}

function quietNote(suppressed: string | null): Html | string {
  if (!suppressed) return '';
  return html` <span class="muted" title="not posted to chat">(held: ${suppressed})</span>`;
}

function firingTable(alerts: readonly Alert[], ctx: BoardContext): Html {
  if (alerts.length === 0) return none('Nothing firing.');
  return html`<table><thead><tr><th>#</th><th>severity</th><th>alert</th><th>since</th><th>acked</th></tr></thead><tbody>${alerts.map((a) => html`<tr>
<td><a href="/alerts/${a.id}">${a.id}</a></td><td>${severityPill(a.severity)}</td>
<td><a href="/alerts/${a.id}">${a.name}</a>: ${a.summary}${quietNote(a.suppressed)}</td>
<td>${time(a.started_at, ctx.timezone)}</td><td>${a.acked_by ?? html`<span class="muted">—</span>`}</td></tr>`)}</tbody></table>`;
}

function recentTable(alerts: readonly AlertBrief[], ctx: BoardContext): Html {
  if (alerts.length === 0) return none('No alerts recorded for this host.');
  return html`<table><thead><tr><th>#</th><th>severity</th><th>status</th><th>alert</th><th>started</th><th>last seen</th></tr></thead><tbody>${alerts.map((a) => html`<tr>
<td><a href="/alerts/${a.id}">${a.id}</a></td><td>${severityPill(a.severity)}</td>
<td>${a.status === 'firing' ? pill('firing', 'sev-critical') : pill('resolved', 'status-working')}</td>
<td><a href="/alerts/${a.id}">${a.name}</a>: ${a.summary}${quietNote(a.suppressed)}</td>
<td>${time(a.started_at, ctx.timezone)}</td><td>${time(a.last_seen_at, ctx.timezone)}</td></tr>`)}</tbody></table>`;
}

const WINDOW_CLASS: Record<MaintenanceWindow['status'], string> = {
  scheduled: 'sev-info', in_progress: 'status-maintenance', overdue: 'sev-critical', done: 'status-working', cancelled: 'status-poweroff',
};

function windowsTable(windows: readonly MaintenanceWindow[], ctx: BoardContext): Html {
  if (windows.length === 0) return none('No maintenance windows have covered this host.');
  return html`<table><thead><tr><th>#</th><th>title</th><th>status</th><th>planned</th><th>owner</th></tr></thead><tbody>${windows.map((w) => html`<tr>
<td><a href="/maintenance/${w.id}">${w.id}</a></td><td><a href="/maintenance/${w.id}">${w.title}</a></td>
<td>${pill(w.status.replace('_', ' '), WINDOW_CLASS[w.status])}</td>
<td>${time(w.starts_at, ctx.timezone)} – ${time(w.ends_at, ctx.timezone)}</td><td>${w.owner}</td></tr>`)}</tbody></table>`;
}

const TICKET_CLASS: Record<Ticket['status'], string> = { open: 'sev-info', in_progress: 'sev-warning', resolved: 'status-working', closed: 'status-poweroff' };

function ticketsTable(tickets: readonly Ticket[], ctx: BoardContext): Html {
  if (tickets.length === 0) return none('No tickets name this host.');
  return html`<table><thead><tr><th>#</th><th>title</th><th>status</th><th>priority</th><th>assignee</th><th>updated</th></tr></thead><tbody>${tickets.map((t) => html`<tr>
<td><a href="/tickets/${t.id}">#${t.id}</a></td><td><a href="/tickets/${t.id}">${t.title}</a></td>
<td>${pill(t.status.replace('_', ' '), TICKET_CLASS[t.status])}</td><td>${t.priority}</td>
<td>${t.assignee ?? html`<span class="muted">unassigned</span>`}</td><td>${time(t.updated_at, ctx.timezone)}</td></tr>`)}</tbody></table>`;
}

function historyTable(changes: readonly StatusChange[], ctx: BoardContext): Html {
  if (changes.length === 0) return none('No status changes recorded.');
  return html`<table><thead><tr><th>time</th><th>by</th><th>change</th><th>reason</th><th>maintenance</th></tr></thead><tbody>${changes.map((c) => html`<tr>
<td>${time(c.at, ctx.timezone)}</td><td>${c.actor}</td>
<td>${c.from_status ? html`${serverStatusPill(c.from_status)} → ` : ''}${serverStatusPill(c.to_status)}</td>
<td class="pre">${c.reason ?? ''}</td><td>${c.maintenance_id === null ? '' : html`<a href="/maintenance/${c.maintenance_id}">#${c.maintenance_id}</a>`}</td></tr>`)}</tbody></table>`;
}
