import { formatTime } from '../../../time/format.js';
import { html, raw, type Html } from '../html.js';
import {
  asciiLower, filterWords, groupKey, groupOf, type FleetLayout, type FleetSummary, type HostBadge, type HourBucket, type TileHost,
} from '../../../domain/board/fleet-view.js';
import type { BoardContext, PageHandler, PageResult } from './page.js';

/**
 * The most tiles one page carries. A fleet this size or smaller is sent
 * whole and the browser filters it as you type; a bigger one is filtered by
 * the server (`?q=`) and paged, with its groups collapsed, so a browser
 * never lays out 100,000 tiles.
 */
export const PAGE_SIZE = 2000;

/** `GET /`: the fleet at a glance, read from one snapshot of the store. */
export const fleetPage: PageHandler = (ctx) => ctx.fleet.snapshot(() => fleet(ctx));

/** Runs inside the snapshot: awaits nothing but the store. */
async function fleet(ctx: BoardContext): Promise<PageResult> {
  const q = ctx.query.get('q') ?? '';
  const words = filterWords(q);
  const layout = await ctx.fleet.layout(words);
  if (layout.total === 0) return { title: 'Fleet', section: 'fleet', body: html`<h1>Fleet</h1>${emptyFleet()}` };
  // The mode follows the whole fleet, not the filtered part: in client mode
  // the browser only ever hides tiles, so every host must be on the page for
  // a shorter query to bring them back.
  const view = layout.total <= PAGE_SIZE ? await clientView(ctx, words) : await serverView(ctx, q, words, layout);
  const counts = await ctx.fleet.alertTicketCounts();
  const perHour = await ctx.fleet.alertsPerHour(ctx.clock.now());
  const body = html`<h1>Fleet</h1>
${summaryLine({ ...layout, ...counts })}
${chart(perHour, ctx.timezone)}
<form class="toolbar" method="get" action="/"><input id="filter" name="q" type="search" placeholder="filter: name, role, status, tag" value="${q}" data-mode="${view.mode}" autocomplete="off" aria-label="filter hosts"><span class="muted"><span id="shown">${view.shown}</span> shown${view.note}</span></form>
${view.body}`;
  return { title: 'Fleet', section: 'fleet', body };
}

interface View {
  mode: 'client' | 'server';
  shown: number;
  note: Html | string;
  body: Html;
}

/** The whole fleet on the page; the filter only hides tiles, as the script does when typing. */
async function clientView(ctx: BoardContext, words: readonly string[]): Promise<View> {
  const hosts = await ctx.fleet.tiles([], PAGE_SIZE, 0);
  const badges = await ctx.fleet.hostBadges(hosts.map((h) => h.id));
  const hay = new Map(hosts.map((h) => [h.id, searchText(h)]));
  const match = (h: TileHost) => words.every((w) => hay.get(h.id)!.includes(w));
  const shown = hosts.filter(match).length;
  const body = html`${byService(hosts).map((service) => {
    const n = service.roles.reduce((sum, r) => sum + r.hosts.filter(match).length, 0);
    return groupBox(html`${service.name} <span class="count">${n}</span>`, true, n === 0, service.roles.map((r) => {
      const m = r.hosts.filter(match).length;
      return groupBox(html`${r.name} <span class="count">${m}</span>`, true, m === 0, tiles(r.hosts, badges, (h) => !match(h)));
    }));
  })}`;
  return { mode: 'client', shown, note: '', body };
}

/** A page of the hosts matching `?q=`, groups collapsed and counted over all pages. */
async function serverView(ctx: BoardContext, q: string, words: readonly string[], layout: FleetLayout): Promise<View> {
  const total = layout.matching;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const requested = Number.parseInt(ctx.query.get('page') ?? '1', 10);
  const pageNo = Math.min(pages, Math.max(1, Number.isFinite(requested) ? requested : 1));
  const hosts = await ctx.fleet.pageTiles(layout, words, PAGE_SIZE, (pageNo - 1) * PAGE_SIZE);
  const badges = await ctx.fleet.hostBadges(hosts.map((h) => h.id));

  // Group sizes over every page: a group cut by a page break says how much of it is here.
  const totals = new Map<string, number>();
  for (const g of layout.groups) {
    const s = asciiLower(g.service);
    totals.set(s, (totals.get(s) ?? 0) + g.count);
    totals.set(groupKey(g.service, g.role), g.count);
  }
  const summary = (name: string, key: string, here: number) => {
    const all = totals.get(key) ?? here;
    return html`${name} <span class="count">${all}</span>${here < all ? html` <span class="muted">(${here} on this page)</span>` : ''}`;
  };

  const pager = pagerNav(q, pageNo, pages, total, hosts.length);
  const body = total === 0
    ? html`<p class="muted">No host matches <b>${q}</b>. Every word must appear in a host's name, FQDN, roles, service, status, tags, DC or rack.</p>`
    : html`${pager}${byService(hosts).map((service) => {
      const here = service.roles.reduce((sum, r) => sum + r.hosts.length, 0);
      return groupBox(summary(service.name, service.key, here), false, false, service.roles.map((r) =>
        groupBox(summary(r.name, r.key, r.hosts.length), true, false, tiles(r.hosts, badges, () => false))));
    })}${pager}`;
  return { mode: 'server', shown: hosts.length, note: html` of ${total.toLocaleString('en')} matching`, body };
}

interface Group {
  /** What the heading says: the name as first seen, or "no service" / "no role". */
  name: string;
  /** For counts: groupKey() for a role group, the lowercased service for a service. */
  key: string;
}

interface ServiceGroup extends Group {
  roles: Array<Group & { hosts: TileHost[] }>;
}

/** Hosts arrive in board order (FleetView), so each group is one consecutive run. */
function byService(hosts: readonly TileHost[]): ServiceGroup[] {
  const out: ServiceGroup[] = [];
  for (const h of hosts) {
    const g = groupOf(h.service, h.roles);
    let service = out.at(-1);
    if (!service || service.key !== asciiLower(g.service)) out.push((service = { name: g.service || 'no service', key: asciiLower(g.service), roles: [] }));
    const key = groupKey(g.service, g.role);
    let role = service.roles.at(-1);
    if (!role || role.key !== key) service.roles.push((role = { name: g.role || 'no role', key, hosts: [] }));
    role.hosts.push(h);
  }
  return out;
}

/** A collapsible group; the summary's first `.count` is what the script updates as you type. */
function groupBox(summary: Html, open: boolean, hidden: boolean, content: Html | Html[]): Html {
  return html`<details class="group"${open ? raw(' open') : ''}${hidden ? raw(' hidden') : ''}><summary>${summary}</summary>${content}</details>`;
}

function tiles(hosts: readonly TileHost[], badges: Map<number, HostBadge>, hidden: (h: TileHost) => boolean): Html {
  return html`<div class="tiles">${hosts.map((h) => tile(h, badges.get(h.id), hidden(h)))}</div>`;
}

function tile(h: TileHost, b: HostBadge | undefined, hidden: boolean): Html {
  const roles = h.roles.replaceAll(' ', ', ');
  const fire = b && b.firing > 0 && b.worst
    ? html`<span class="badge sev-${b.worst}" title="${b.firing} firing (worst: ${b.worst})">${b.firing}</span>`
    : '';
  const tickets = b && b.tickets > 0
    ? html`<span class="badge tickets" title="${b.tickets} open ${b.tickets === 1 ? 'ticket' : 'tickets'}">${b.tickets}&nbsp;tkt</span>`
    : '';
  return html`<a class="tile status-${h.status}" href="/servers/${encodeURIComponent(h.name)}" title="${h.name}: ${h.status}${roles ? ` · ${roles}` : ''}" data-status="${h.status}" data-search="${searchText(h)}"${hidden ? raw(' hidden') : ''}>${h.name}${fire}${tickets}</a>`;
}

/** What the filter looks in: the script matches typed words against this (assets.ts), the server the same words (FleetView). */
function searchText(h: TileHost): string {
  return [h.name, h.fqdn, h.roles, h.service, h.status, h.tags, h.dc, h.rack].filter(Boolean).join(' ').toLowerCase();
}

function summaryLine(s: FleetSummary): Html {
  const statuses = Object.entries(s.byStatus).map(([status, n]) => html`<span><b>${n.toLocaleString('en')}</b> ${status}</span>`);
  const severities = Object.entries(s.firingBySeverity).filter(([, n]) => n > 0).map(([sev, n]) => `${n} ${sev}`).join(', ');
  return html`<p class="summary"><span><b>${s.total.toLocaleString('en')}</b> hosts</span>${statuses}<span><a href="/alerts"><b>${s.firing}</b> firing</a>${severities ? ` (${severities})` : ''}</span><span><a href="/tickets"><b>${s.activeTickets}</b> open tickets</a></span></p>`;
}

const BAR = 10;
const HEIGHT = 60;

/** Alerts per hour as bars, each with a hover title; the label says the gist for a screen reader. */
function chart(buckets: readonly HourBucket[], timezone: string): Html {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const max = Math.max(0, ...buckets.map((b) => b.count));
  const bars = buckets.map((b, i) => {
    // A nonzero hour is always at least a sliver, so it can be seen and hovered.
    const h = b.count === 0 ? 0 : Math.max(2, (b.count / max) * (HEIGHT - 2));
    const what = `${b.count} ${b.count === 1 ? 'alert' : 'alerts'} started ${formatTime(b.start, timezone)} – ${formatTime(b.end, timezone)}`;
    return html`<rect x="${i * BAR + 1}" y="${(HEIGHT - h).toFixed(1)}" width="${BAR - 2}" height="${h.toFixed(1)}" data-count="${b.count}"><title>${what}</title></rect>`;
  });
  const label = `Alerts per hour over the last 24 hours: ${total} in all, at most ${max} in one hour`;
  return html`<div class="chart"><div class="muted">Alerts per hour, last 24 h: <b>${total}</b></div><svg viewBox="0 0 ${buckets.length * BAR} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}"><title>${label}</title>${bars}</svg></div>`;
}

function pagerNav(q: string, pageNo: number, pages: number, total: number, onPage: number): Html | string {
  if (pages <= 1) return '';
  const href = (n: number) => {
    const p = new URLSearchParams();
    if (q) p.set('q', q);
    if (n > 1) p.set('page', String(n));
    const s = p.toString();
    return s ? `/?${s}` : '/';
  };
  const first = (pageNo - 1) * PAGE_SIZE + 1;
  return html`<nav class="pager" aria-label="pages">${pageNo > 1 ? html`<a href="${href(pageNo - 1)}" rel="prev">← prev</a>` : ''}<span>hosts ${first.toLocaleString('en')}–${(first + onPage - 1).toLocaleString('en')} of ${total.toLocaleString('en')} (page ${pageNo} of ${pages})</span>${pageNo < pages ? html`<a href="${href(pageNo + 1)}" rel="next">next →</a>` : ''}</nav>`;
}

function emptyFleet(): Html {
  return html`<p>No hosts in the inventory yet.</p>
<p>Import them from a CSV (or JSON) file with <code>opsbridge servers import hosts.csv</code>; the columns are
<code>name,fqdn,ips,roles,service,dc,rack,status,cpu,memory_gb,model,os,tags,notes</code>, and only <code>name</code> is required.</p>`;
}

