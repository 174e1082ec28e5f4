import { severityOf, SEVERITIES, type Alert } from '../../../domain/alerts/model.js';
import { describeMatchers } from '../../../domain/alerts/silences.js';
import type { AlertQuery } from '../../../domain/alerts/store.js';
import { formatDuration } from '../../../time/duration.js';
import { html, type Html } from '../html.js';
import { choices, externalLink, hostLink, hrefWith, notice, pageNumber, pager, parseId, PER_PAGE, pill, severityPill, since, time } from './format.js';
import type { BoardContext, PageHandler } from './page.js';

/**
 * `/alerts`: what is firing (then, on request, what was resolved), the same
 * data `!alerts` shows, with filters (status, severity, host, name),
 * pages and the active silences; and
 * `/alerts/ID`: one alert with its labels and history, as `!alert ID`.
 */

type StatusFilter = 'firing' | 'resolved' | 'all';
const STATUS_FILTERS: readonly StatusFilter[] = ['firing', 'resolved', 'all'];
/** Silences listed under the alerts; the rest are counted. */
const SILENCES_SHOWN = 10;
/** History entries an alert page shows, the latest. */
const HISTORY = 1000;
/** A summary longer than this is cut in the list (the alert's page has all of it). */
const DETAIL_CHARS = 300;

export const alertsPage: PageHandler = async (ctx) => {
  const { alertStore } = ctx.services;
  const notices: string[] = [];

  const statusWord = (ctx.query.get('status') ?? '').trim().toLowerCase();
  let status: StatusFilter = 'firing';
  if (statusWord) {
    if ((STATUS_FILTERS as readonly string[]).includes(statusWord)) status = statusWord as StatusFilter;
    else notices.push(`unknown status '${statusWord}': use firing, resolved or all`);
  }
  const severityWord = (ctx.query.get('severity') ?? '').trim();
  const severity = severityWord ? severityOf(severityWord) : null;
  if (severityWord && !severity) notices.push(`unknown severity '${severityWord}': use critical, error, warning or info`);
  const host = (ctx.query.get('host') ?? '').trim().slice(0, 255);
  // `!alerts DiskFull` links here with name=: kept as a filter, shown with a way to drop it.
  const name = (ctx.query.get('name') ?? '').trim().slice(0, 255);
  const page = pageNumber(ctx.query);
  const offset = (page - 1) * PER_PAGE;

  const filter: Omit<AlertQuery, 'limit'> = { ...(severity && { severity }), ...(host && { host }), ...(name && { name }) };
  let total: number;
  let alerts: Alert[];
  if (status === 'all') {
    // Firing first, then resolved: two lists read as one.
    const firing = await alertStore.list({ ...filter, status: 'firing', limit: PER_PAGE, offset });
    const resolvedTotal = (await alertStore.list({ ...filter, status: 'resolved', limit: 0 })).total;
    alerts = firing.alerts;
    if (alerts.length < PER_PAGE) {
      const more = await alertStore.list({ ...filter, status: 'resolved', limit: PER_PAGE - alerts.length, offset: Math.max(0, offset - firing.total) });
      alerts = [...alerts, ...more.alerts];
    }
    total = firing.total + resolvedTotal;
  } else {
    ({ total, alerts } = await alertStore.list({ ...filter, status, limit: PER_PAGE, offset }));
  }

  const params = { status: status === 'firing' ? undefined : status, severity: severity ?? undefined, host: host || undefined, name: name || undefined };
  const now = ctx.clock.now();
  const silences = await silencesSection(ctx, now);
  const what = status === 'firing' ? 'firing alert' : status === 'resolved' ? 'resolved alert' : 'alert';
  const body = html`<h1>Alerts</h1>
${notices.map(notice)}
<div class="toolbar">
  ${choices({ label: 'status', current: status, options: STATUS_FILTERS.map((s) => [s, s] as const), href: (s) => hrefWith('/alerts', { ...params, status: s === 'firing' ? undefined : s }) })}
  ${choices({ label: 'severity', current: severity ?? '', options: [['', 'any'], ...SEVERITIES.map((s) => [s, s] as const)], href: (s) => hrefWith('/alerts', { ...params, severity: s }) })}
  <form method="get" action="/alerts">
    ${params.status ? html`<input type="hidden" name="status" value="${params.status}">` : ''}
    ${severity ? html`<input type="hidden" name="severity" value="${severity}">` : ''}
    ${name ? html`<input type="hidden" name="name" value="${name}">` : ''}
    <label>host <input type="search" name="host" value="${host}" placeholder="web01, web0*"></label>
    <button type="submit">filter</button>${host ? html` <a href="${hrefWith('/alerts', { ...params, host: undefined })}">clear</a>` : ''}
  </form>
</div>
<p class="summary"><span><b>${total}</b> ${what}${total === 1 ? '' : 's'}${name ? html` named ${name} <a href="${hrefWith('/alerts', { ...params, name: undefined })}">(any name)</a>` : ''}${host ? html` on ${host}` : ''}${severity ? html` (${severity})` : ''}</span></p>
${alerts.length === 0
  ? html`<p class="muted">${status === 'firing' ? 'Nothing firing' : 'No alerts'}${host || severity || name ? ' matching these filters' : ''}${page > 1 ? ' on this page' : ''}.</p>`
  : html`<table class="alerts">
<thead><tr><th>#</th><th>severity</th><th>alert</th><th>host</th><th>summary</th><th>since</th><th>count</th><th>state</th></tr></thead>
<tbody>${alerts.map((a) => alertRow(ctx, a, now))}</tbody>
</table>`}
${pager({ path: '/alerts', params, page, total })}
${silences}`;
  return { title: 'Alerts', section: 'alerts', body };
};

function alertRow(ctx: BoardContext, a: Alert, now: Date): Html {
  const detail = alertDetail(a);
  return html`<tr data-alert="${a.id}">
<td><a href="/alerts/${a.id}">#${a.id}</a></td>
<td>${severityPill(a.severity)}</td>
<td><a href="/alerts/${a.id}"><b>${a.name}</b></a></td>
<td>${hostLink(a.host, a.server_id !== null)}</td>
<td>${detail ? cut(firstLine(detail), DETAIL_CHARS) : html`<span class="muted">—</span>`}</td>
<td>${time(a.started_at, ctx.timezone)}<br><span class="muted">${a.status === 'firing' ? `for ${since(a.started_at, now)}` : `lasted ${lasted(a)}`}</span></td>
<td>${a.count}</td>
<td>${stateMarks(a)}</td>
</tr>`;
}

/** Resolved, acked by whom, held back by maintenance or a silence. */
function stateMarks(a: Alert): Html {
  const marks: Html[] = [];
  if (a.status === 'resolved') marks.push(pill('resolved', 'status-working'));
  else if (!a.acked_by) marks.push(html`<span class="muted">unacked</span>`);
  if (a.acked_by) marks.push(html`<span title="${a.ack_note ?? ''}">acked by ${a.acked_by}</span>`);
  if (a.suppressed) marks.push(html`<span class="muted">${quietText(a.suppressed)}</span>`);
  return html`${marks.map((m, i) => html`${i > 0 ? html`<br>` : ''}${m}`)}`;
}

function quietText(q: string): string {
  return q === 'maintenance' ? 'suppressed (maintenance)' : q.startsWith('silence:') ? `silenced (silence #${q.slice('silence:'.length)})` : `quiet (${q})`;
}

async function silencesSection(ctx: BoardContext, now: Date): Promise<Html> {
  const active = await ctx.services.silences.active();
  if (active.length === 0) return html`<h2>Silences</h2><p class="muted">No active silences.</p>`;
  const shown = active.slice(0, SILENCES_SHOWN);
  return html`<h2>Silences <span class="muted">(${active.length} active)</span></h2>
<table class="silences">
<thead><tr><th>#</th><th>matches</th><th>until</th><th>by</th><th>reason</th></tr></thead>
<tbody>${shown.map((s) => html`<tr>
<td>#${s.id}</td>
<td><code>${describeMatchers(s.matchers)}</code></td>
<td>${time(s.ends_at, ctx.timezone)} <span class="muted">(${formatDuration(Date.parse(s.ends_at) - now.getTime())} left)</span></td>
<td>${s.created_by}</td>
<td>${s.reason ?? html`<span class="muted">—</span>`}</td>
</tr>`)}</tbody>
</table>
${active.length > shown.length ? html`<p class="muted">…and ${active.length - shown.length} more</p>` : ''}`;
}

export const alertPage: PageHandler = async (ctx) => {
  const id = parseId(ctx.params.id);
  if (id === null) return null;
  const { alertStore } = ctx.services;
  const a = await alertStore.get(id);
  if (!a) return null;
  const now = ctx.clock.now();
  const tz = ctx.timezone;
  const labels = Object.entries(a.labels);
  const events = (await alertStore.events(id, HISTORY)).reverse();
  const body = html`<p><a href="/alerts">‹ alerts</a></p>
<h1>${severityPill(a.severity)} #${a.id} ${a.name}</h1>
<dl class="fields">
  <dt>status</dt><dd>${a.status === 'firing' ? pill('firing', `sev-${a.severity}`) : pill('resolved', 'status-working')}${a.status === 'firing' ? html` <span class="muted">for ${since(a.started_at, now)}</span>` : html` <span class="muted">after ${lasted(a)}</span>`}</dd>
  <dt>severity</dt><dd>${a.severity}</dd>
  <dt>host</dt><dd>${hostLink(a.host, a.server_id !== null)}</dd>
  <dt>source</dt><dd>${a.source}</dd>
  <dt>summary</dt><dd>${a.summary}</dd>
  ${a.text ? html`<dt>text</dt><dd class="pre">${a.text}</dd>` : ''}
  <dt>started</dt><dd>${time(a.started_at, tz)}</dd>
  ${a.resolved_at ? html`<dt>resolved</dt><dd>${time(a.resolved_at, tz)}</dd>` : ''}
  <dt>first seen</dt><dd>${time(a.first_seen_at, tz)}</dd>
  <dt>last seen</dt><dd>${time(a.last_seen_at, tz)} <span class="muted">(${since(a.last_seen_at, now)} ago)</span></dd>
  <dt>count</dt><dd>${a.count}</dd>
  <dt>last posted</dt><dd>${a.last_notified_at ? time(a.last_notified_at, tz) : html`<span class="muted">never</span>`}</dd>
  <dt>acknowledged</dt><dd>${a.acked_by ? html`by ${a.acked_by}, ${time(a.acked_at, tz)}${a.ack_note ? html` — ${a.ack_note}` : ''}` : html`<span class="muted">no</span>`}</dd>
  ${a.suppressed ? html`<dt>held back</dt><dd>${quietText(a.suppressed)}</dd>` : ''}
  <dt>link</dt><dd>${a.url ? externalLink(a.url) : html`<span class="muted">—</span>`}</dd>
  <dt>fingerprint</dt><dd><code>${a.fingerprint}</code></dd>
</dl>
<h2>Labels</h2>
${labels.length === 0
  ? html`<p class="muted">No labels.</p>`
  : html`<table class="labels"><thead><tr><th>label</th><th>value</th></tr></thead>
<tbody>${labels.map(([k, v]) => html`<tr><td><code>${k}</code></td><td class="pre">${v}</td></tr>`)}</tbody></table>`}
<h2>History</h2>
<table class="history"><thead><tr><th>when</th><th>what</th><th>by</th><th>detail</th></tr></thead>
<tbody>${events.map((e) => html`<tr><td>${time(e.at, tz)}</td><td><b>${e.kind}</b></td><td>${e.actor ?? html`<span class="muted">—</span>`}</td><td class="pre">${e.detail ?? ''}</td></tr>`)}</tbody></table>
${events.length >= HISTORY ? html`<p class="muted">The latest ${HISTORY} entries.</p>` : ''}`;
  return { title: `Alert #${a.id} ${a.name}`, section: 'alerts', body };
};

/** As chat says it: the summary, or a generic alert's text (its title is both name and summary). */
function alertDetail(a: Alert): string | null {
  return a.summary !== a.name ? a.summary : a.text;
}

function lasted(a: Alert): string {
  return formatDuration(Date.parse(a.resolved_at ?? a.last_seen_at) - Date.parse(a.started_at));
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0]!.trim();
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
