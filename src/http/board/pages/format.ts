import { parseHashId } from '../../../chat/args.js';
import type { Inline, Tone } from '../../../chat/rich-text.js';
import type { Severity } from '../../../domain/alerts/model.js';
import type { WindowStatus } from '../../../domain/maintenance/model.js';
import { isStatus } from '../../../domain/servers/model.js';
import type { Priority, TicketStatus } from '../../../domain/tickets/model.js';
import { formatDuration } from '../../../time/duration.js';
import { formatTime } from '../../../time/format.js';
import { html, type Html } from '../html.js';

/**
 * Small pieces the list and detail pages (alerts, maintenance, tickets)
 * share: times, pills, links, ids, paging. Everything shown goes through
 * `html`, so it is escaped; only the markup itself is written here.
 */

/** A time in the board's zone, with the instant in `datetime` (ISO) for the machine. */
export function time(iso: string | null | undefined, tz: string): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${formatTime(iso, tz)}</time>`;
}

/** How long from `iso` to `now`: "5m", "1h 2m". */
export function since(iso: string, now: Date): string {
  return formatDuration(now.getTime() - Date.parse(iso));
}

export function severityPill(s: Severity | string): Html {
  return html`<span class="pill sev-${s}">${s}</span>`;
}

/** A pill in one of the board's colours: a severity's or a server status's class name. */
export function pill(text: string, cls: string): Html {
  return html`<span class="pill ${cls}">${text}</span>`;
}

/** A server status (working, standby, …) as a pill of its colour. */
export function serverStatusPill(status: string): Html {
  return isStatus(status) ? pill(status, `status-${status}`) : html`<span class="muted">${status}</span>`;
}

const WINDOW_CLASS: Record<WindowStatus, string> = {
  in_progress: 'status-maintenance', overdue: 'sev-critical', scheduled: 'sev-info', done: 'status-working', cancelled: 'status-poweroff',
};

/** A maintenance window's status: running in the maintenance colour, overdue in red. */
export function windowStatusPill(s: WindowStatus): Html {
  return pill(s.replace('_', ' '), WINDOW_CLASS[s] ?? 'status-poweroff');
}

const TICKET_CLASS: Record<TicketStatus, string> = { open: 'sev-info', in_progress: 'sev-warning', resolved: 'status-working', closed: 'status-poweroff' };

export function ticketStatusPill(s: TicketStatus): Html {
  return pill(s.replace('_', ' '), TICKET_CLASS[s] ?? 'status-poweroff');
}

const PRIORITY_CLASS: Record<Priority, string | null> = { urgent: 'sev-critical', high: 'sev-warning', normal: null, low: null };

/** Urgent and high stand out; normal and low are plain words. */
export function priorityPill(p: Priority): Html {
  const cls = PRIORITY_CLASS[p];
  return cls ? pill(p, cls) : html`<span class="${p === 'low' ? 'muted' : ''}">${p}</span>`;
}

const TONE_CLASS: Record<Tone, string> = { critical: 'pill sev-critical', warning: 'pill sev-warning', info: 'pill sev-info', ok: 'pill status-working', muted: 'muted' };

/** A tone as the board shows it: a coloured pill, or muted text. */
function toned(t: Tone, body: Html | string): Html {
  return html`<span class="${TONE_CLASS[t]}">${body}</span>`;
}

/** Only web addresses become links: `javascript:`, `data:` and the rest are never put in an href. */
function safeHref(url: string | null | undefined): string | null {
  return url && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
}

/** A link to an address from the data (an alert's source, a commit), or the address as text when it is not http(s). */
export function externalLink(url: string, label?: string): Html {
  const href = safeHref(url);
  if (!href) return html`<span class="muted">${label ?? url}</span>${label !== undefined ? html` <span class="muted">(${url})</span>` : ''}`;
  return html`<a href="${href}" rel="noopener noreferrer nofollow" target="_blank">${label ?? url}</a>`;
}

/** A host name, linking to its page when it is in the inventory. */
export function hostLink(name: string | null | undefined, known: boolean): Html {
  if (!name) return html`<span class="muted">—</span>`;
  return known ? html`<a href="/servers/${encodeURIComponent(name)}">${name}</a>` : html`${name}`;
}

/** Inventory host names (a ticket's hosts come from the inventory), each linking to its page. */
export function hostLinks(names: readonly string[]): Html {
  if (names.length === 0) return html`<span class="muted">—</span>`;
  return html`${names.map((n, i) => html`${i > 0 ? ', ' : ''}${hostLink(n, true)}`)}`;
}

/** Chat rich text as HTML: bold → <b>, code → <code>, link → <a> (web addresses only), tone → a pill, mention → the name. */
export function inlineHtml(parts: readonly Inline[]): Html {
  return html`${parts.map(inlineOne)}`;
}

function inlineOne(i: Inline): Html {
  if (typeof i === 'string') return html`${i}`;
  switch (i.kind) {
    case 'bold':
      return html`<b>${inlineHtml(i.children)}</b>`;
    case 'italic':
      return html`<i>${inlineHtml(i.children)}</i>`;
    case 'strike':
      return html`<s>${inlineHtml(i.children)}</s>`;
    case 'code':
      return html`<code>${i.text}</code>`;
    case 'mention':
      return html`${i.name}`;
    case 'tone':
      return toned(i.tone, inlineHtml(i.children));
    case 'link':
      return externalLink(i.url, i.label);
  }
}

/**
 * A positive id from a path parameter: `42`, or `#42` (the router decodes
 * `%2342`; an undecoded one is accepted too). Null for anything else.
 */
export function parseId(param: string | undefined): number | null {
  if (param === undefined) return null;
  let s = param.trim();
  if (/^%23/i.test(s)) s = '#' + s.slice(3);
  const n = parseHashId(s);
  return n !== null && n >= 1 ? n : null;
}

export const PER_PAGE = 50;

/** The page asked for (`?page=N`), 1 when absent or not a positive number. */
export function pageNumber(query: URLSearchParams): number {
  const m = /^(\d{1,6})$/.exec(query.get('page') ?? '');
  const n = m ? Number(m[1]) : 1;
  return n >= 1 ? n : 1;
}

/** A link to `path` with these query parameters; empty ones are left out. */
export function hrefWith(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** "‹ newer · page 2 of 7 (312) · older ›", keeping the filters in the links. */
export function pager(opts: { path: string; params: Record<string, string | undefined>; page: number; total: number; perPage?: number }): Html {
  const per = opts.perPage ?? PER_PAGE;
  const pages = Math.max(1, Math.ceil(opts.total / per));
  if (pages === 1 && opts.page === 1) return html``;
  const link = (p: number, label: string, rel: string) => html`<a href="${hrefWith(opts.path, { ...opts.params, page: p === 1 ? undefined : p })}" rel="${rel}">${label}</a>`;
  const prev = opts.page > 1 ? link(Math.min(opts.page - 1, pages), '‹ prev', 'prev') : html`<span class="muted">‹ prev</span>`;
  const next = opts.page < pages ? link(opts.page + 1, 'next ›', 'next') : html`<span class="muted">next ›</span>`;
  return html`<nav class="pager" aria-label="pages">${prev}<span>page ${opts.page} of ${pages} (${opts.total})</span>${next}</nav>`;
}

/** Links to switch one filter, the current choice shown as text. */
export function choices(opts: { label: string; current: string; options: readonly (readonly [value: string, label: string])[]; href: (value: string) => string }): Html {
  return html`<span>${opts.label}: ${opts.options.map(([value, label], i) =>
    html`${i > 0 ? ' · ' : ''}${value === opts.current ? html`<b aria-current="true">${label}</b>` : html`<a href="${opts.href(value)}">${label}</a>`}`,
  )}</span>`;
}

/** A line that says what was wrong with the request (a bad filter), shown above the list. */
export function notice(message: string): Html {
  return html`<p class="notice" role="alert"><span class="pill sev-warning">!</span> ${message}</p>`;
}
