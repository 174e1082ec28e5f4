import type { MaintenanceWindow } from '../../../domain/maintenance/model.js';
import { resolveTargets } from '../../../domain/maintenance/targets.js';
import type { Server } from '../../../domain/servers/model.js';
import { formatDuration } from '../../../time/duration.js';
import { html, type Html } from '../html.js';
import { hostLink, notice, pageNumber, pager, parseId, PER_PAGE, serverStatusPill, since, time, windowStatusPill } from './format.js';
import type { BoardContext, PageHandler } from './page.js';

/**
 * `/maintenance`: running and upcoming windows (and recurring schedules),
 * then the finished ones, newest first, a page at a time; and
 * `/maintenance/ID`: one window, its hosts and its timeline, as `!maint ID`.
 */

const DAY_MS = 86_400_000;
/** "Upcoming": planned windows (and recurring occurrences) starting within this. */
const UPCOMING_MS = 365 * DAY_MS;
/** Running and upcoming windows listed at the top; more are counted. */
const CURRENT_SHOWN = 200;
/** Timeline entries a window page shows, the latest. */
const TIMELINE = 1000;
/** Hosts a planned window's targets are shown matching, at most. */
const PLANNED_HOSTS_SHOWN = 200;

export const maintenancePage: PageHandler = async (ctx) => {
  const { maintenanceStore } = ctx.services;
  const now = ctx.clock.now();
  const page = pageNumber(ctx.query);
  const until = new Date(now.getTime() + UPCOMING_MS);

  let top: Html = html``;
  if (page === 1) {
    const current = await maintenanceStore.current(until);
    const schedules = await maintenanceStore.dueSchedules(until);
    top = html`<h2>Running and upcoming <span class="muted">(${current.length})</span></h2>
${current.length === 0
  ? html`<p class="muted">No maintenance running or planned.</p>`
  : html`${await windowTable(ctx, current.slice(0, CURRENT_SHOWN), now)}${current.length > CURRENT_SHOWN ? html`<p class="muted">…and ${current.length - CURRENT_SHOWN} more</p>` : ''}`}
${schedules.length === 0
  ? ''
  : html`<h2>Recurring <span class="muted">(${schedules.length})</span></h2>
<table class="schedules"><thead><tr><th>schedule</th><th>title</th><th>targets</th><th>next</th><th>for</th><th>every</th><th>owner</th></tr></thead>
<tbody>${schedules.map((s) => html`<tr><td>#${s.id}</td><td>${s.title}</td><td><code>${s.targets}</code></td><td>${time(s.next_at, ctx.timezone)}</td><td>${formatDuration(s.duration_ms)}</td><td><code>${s.cron}</code></td><td>${s.owner}</td></tr>`)}</tbody></table>`}`;
  }

  const { total, windows } = await maintenanceStore.finished(PER_PAGE, (page - 1) * PER_PAGE);
  const body = html`<h1>Maintenance</h1>
${top}
<h2>Finished <span class="muted">(${total})</span></h2>
${windows.length === 0 ? html`<p class="muted">${page > 1 ? 'Nothing on this page.' : 'No finished windows yet.'}</p>` : await windowTable(ctx, windows, now)}
${pager({ path: '/maintenance', params: {}, page, total })}`;
  return { title: 'Maintenance', section: 'maintenance', body };
};

async function windowTable(ctx: BoardContext, windows: MaintenanceWindow[], now: Date): Promise<Html> {
  const tz = ctx.timezone;
  // Host counts read first: the template itself is synchronous.
  const counts = new Map<number, number>();
  for (const w of windows) counts.set(w.id, (await ctx.services.maintenanceStore.hosts(w.id)).length);
  return html`<table class="windows">
<thead><tr><th>#</th><th>status</th><th>title</th><th>hosts</th><th>start</th><th>end</th><th>owner</th></tr></thead>
<tbody>${windows.map((w) => {
    const hosts = counts.get(w.id) ?? 0;
    return html`<tr data-window="${w.id}">
<td><a href="/maintenance/${w.id}">#${w.id}</a></td>
<td>${windowStatusPill(w.status)}</td>
<td><a href="/maintenance/${w.id}">${w.title}</a></td>
<td><code>${w.targets}</code>${hosts > 0 ? html` <span class="muted">(${hosts} host${hosts === 1 ? '' : 's'})</span>` : ''}</td>
<td>${time(w.started_at ?? w.starts_at, tz)}${w.status === 'scheduled' ? html`<br><span class="muted">in ${formatDuration(Date.parse(w.starts_at) - now.getTime())}</span>` : ''}</td>
<td>${time(w.finished_at ?? w.ends_at, tz)}${timeLeft(w, now)}</td>
<td>${w.owner}</td>
</tr>`;
  })}</tbody>
</table>`;
}

/** Running: how long is left, or how far past its planned end it is. */
function timeLeft(w: MaintenanceWindow, now: Date): Html | string {
  if (w.status !== 'in_progress' && w.status !== 'overdue') return '';
  const left = Date.parse(w.ends_at) - now.getTime();
  return left > 0 ? html`<br><span class="muted">${formatDuration(left)} left</span>` : html`<br><span class="muted">overdue by ${formatDuration(-left)}</span>`;
}

export const maintenanceWindowPage: PageHandler = async (ctx) => {
  const id = parseId(ctx.params.id);
  if (id === null) return null;
  const { maintenanceStore, inventory } = ctx.services;
  const w = await maintenanceStore.get(id);
  if (!w) return null;
  const tz = ctx.timezone;
  const now = ctx.clock.now();
  const schedule = w.schedule_id !== null ? await maintenanceStore.schedule(w.schedule_id) : null;
  const hosts: Array<{ server_id: number; previous_status: string; server: Server | null }> = [];
  for (const h of await maintenanceStore.hosts(w.id)) hosts.push({ ...h, server: await inventory.getById(h.server_id) });
  hosts.sort((a, b) => (a.server?.name ?? '').localeCompare(b.server?.name ?? '', 'en', { numeric: true }));
  const updates = (await maintenanceStore.updates(w.id, TIMELINE)).reverse();

  let hostsSection: Html;
  if (hosts.length > 0) {
    hostsSection = html`<table class="hosts"><thead><tr><th>host</th><th>before</th><th>now</th></tr></thead>
<tbody>${hosts.map((h) => html`<tr>
<td>${h.server ? hostLink(h.server.name, true) : html`<span class="muted">server #${h.server_id} (no longer in the inventory)</span>`}</td>
<td>${serverStatusPill(h.previous_status)}</td>
<td>${h.server ? serverStatusPill(h.server.status) : ''}</td>
</tr>`)}</tbody></table>`;
  } else if (w.status === 'scheduled') {
    // A planned window has no hosts yet: they are fixed when it starts. Show what its targets match now.
    let matching: Html;
    try {
      const { servers, empty } = await resolveTargets(inventory, w.targets);
      matching = html`${servers.length === 0 ? html`<span class="muted">none</span>` : servers.slice(0, PLANNED_HOSTS_SHOWN).map((s, i) => html`${i > 0 ? ', ' : ''}${hostLink(s.name, true)}`)}${servers.length > PLANNED_HOSTS_SHOWN ? html` …and ${servers.length - PLANNED_HOSTS_SHOWN} more` : ''}${empty.length > 0 ? html` <span class="muted">(${empty.join(', ')} match nothing)</span>` : ''}`;
    } catch (err) {
      matching = html`<span class="muted">${err instanceof Error ? err.message : String(err)}</span>`;
    }
    hostsSection = html`<p class="muted">The hosts are fixed when the window starts. Its targets match now:</p><p>${matching}</p>`;
  } else {
    hostsSection = html`<p class="muted">No hosts.</p>`;
  }

  const body = html`<p><a href="/maintenance">‹ maintenance</a></p>
<h1>${windowStatusPill(w.status)} #${w.id} ${w.title}</h1>
${w.status === 'overdue' ? notice(`past its planned end by ${since(w.ends_at, now)}`) : ''}
<dl class="fields">
  <dt>status</dt><dd>${w.status.replace('_', ' ')}${timeLeft(w, now)}</dd>
  <dt>targets</dt><dd><code>${w.targets}</code></dd>
  <dt>planned</dt><dd>${time(w.starts_at, tz)} – ${time(w.ends_at, tz)} <span class="muted">(${formatDuration(Date.parse(w.ends_at) - Date.parse(w.starts_at))})</span></dd>
  <dt>started</dt><dd>${w.started_at ? time(w.started_at, tz) : html`<span class="muted">not yet</span>`}</dd>
  ${w.finished_at ? html`<dt>${w.status === 'cancelled' ? 'cancelled' : 'finished'}</dt><dd>${time(w.finished_at, tz)}</dd>` : ''}
  <dt>owner</dt><dd>${w.owner}</dd>
  <dt>announces to</dt><dd>${w.channels.join(', ') || html`<span class="muted">—</span>`}</dd>
  ${schedule ? html`<dt>recurring</dt><dd>schedule #${schedule.id}, every <code>${schedule.cron}</code>${schedule.cancelled_at ? html` <span class="muted">(stopped ${time(schedule.cancelled_at, tz)})</span>` : ''}</dd>` : ''}
  <dt>planned at</dt><dd>${time(w.created_at, tz)}</dd>
</dl>
<h2>Hosts <span class="muted">(${hosts.length})</span></h2>
${hostsSection}
<h2>Timeline</h2>
${updates.length === 0
  ? html`<p class="muted">Nothing yet.</p>`
  : html`<table class="timeline"><thead><tr><th>when</th><th>what</th><th>by</th><th>note</th></tr></thead>
<tbody>${updates.map((u) => html`<tr><td>${time(u.at, tz)}</td><td><b>${u.kind}</b></td><td>${u.actor}</td><td class="pre">${u.text ?? ''}</td></tr>`)}</tbody></table>`}
${updates.length >= TIMELINE ? html`<p class="muted">The latest ${TIMELINE} entries.</p>` : ''}`;
  return { title: `Maintenance #${w.id} ${w.title}`, section: 'maintenance', body };
};
