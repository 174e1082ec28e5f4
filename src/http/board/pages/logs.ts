import { SEVERITIES, severityOf, type Severity } from '../../../domain/alerts/model.js';
import { COUNT_CAP, parseLevel, parseSince, sinceToReach, type LogFilter, type LogHost, type LogLine, type LogPage } from '../../../domain/logs/search.js';
import { UserError } from '../../../errors.js';
import { html, type Html } from '../html.js';
import { choices, hostLink, hrefWith, notice, pageNumber, pager, PER_PAGE, severityPill, time } from './format.js';
import type { PageHandler } from './page.js';

/**
 * `/logs`: stored log lines newest first, the same search as `!logs`, with
 * its filters as query parameters: `host`, `since` (a duration or a time,
 * default 1h), `level` (that level or worse), `q` (words), and `page`.
 * Without a host it lists every host's lines.
 */

const DEFAULT_SINCE = '1h';
const SINCE_CHOICES = ['15m', '1h', '6h', '1d', '7d'] as const;
/** A message longer than this is cut on the page (a log line may be 16 KiB). */
const MESSAGE_CHARS = 2_000;

export const logsPage: PageHandler = async (ctx) => {
  const { logSearch } = ctx.services;
  const now = ctx.clock.now();
  const notices: string[] = [];
  // A filter that cannot be read is dropped with a notice, as on /alerts;
  // a host or words that cannot be searched for show nothing rather than
  // every line.
  const userError = (err: unknown): string => {
    if (err instanceof UserError) return err.message;
    throw err;
  };

  const hostWord = (ctx.query.get('host') ?? '').trim().slice(0, 255);
  const sinceWord = (ctx.query.get('since') ?? '').trim().slice(0, 80) || DEFAULT_SINCE;
  const levelWord = (ctx.query.get('level') ?? '').trim().slice(0, 40);
  const q = (ctx.query.get('q') ?? '').trim().slice(0, 500);
  const page = pageNumber(ctx.query);

  let since: Date;
  let sinceShown = sinceWord;
  try {
    since = parseSince(sinceWord, now, ctx.timezone);
  } catch (err) {
    notices.push(userError(err));
    since = parseSince(DEFAULT_SINCE, now, ctx.timezone);
    sinceShown = DEFAULT_SINCE;
  }
  let level: Severity | undefined;
  if (levelWord) {
    try {
      level = parseLevel(levelWord);
    } catch (err) {
      notices.push(userError(err));
    }
  }
  let host: LogHost | undefined;
  let searchable = true;
  if (hostWord) {
    try {
      host = await logSearch.resolveHost(hostWord);
    } catch (err) {
      notices.push(userError(err));
      searchable = false;
    }
  }

  const filter: LogFilter = { since, ...(host && { host }), ...(level && { level }), ...(q && { words: q }) };
  let result: LogPage = { lines: [], total: 0, totalCapped: false, unindexedSince: null };
  if (searchable) {
    try {
      result = await logSearch.search(filter, PER_PAGE, (page - 1) * PER_PAGE);
    } catch (err) {
      notices.push(userError(err));
    }
  }

  const params = { host: hostWord || undefined, since: sinceShown === DEFAULT_SINCE ? undefined : sinceShown, level: level ?? undefined, q: q || undefined };
  const newest = result.total === 0 && host ? await logSearch.newest(host) : null;
  const levelOptions: [string, string][] = [['', 'any'], ...SEVERITIES.filter((s) => s !== 'info').map((s) => [s, `${s}+`] as [string, string])];
  const body = html`<h1>Log lines${host ? html` from ${hostLink(host.name, host.inInventory)}` : ''}</h1>
${notices.map(notice)}
<div class="toolbar">
  ${choices({ label: 'since', current: sinceShown, options: SINCE_CHOICES.map((s) => [s, s] as const), href: (s) => hrefWith('/logs', { ...params, since: s === DEFAULT_SINCE ? undefined : s }) })}
  ${choices({ label: 'level', current: level ?? '', options: levelOptions, href: (s) => hrefWith('/logs', { ...params, level: s }) })}
  <form method="get" action="/logs">
    ${params.since ? html`<input type="hidden" name="since" value="${params.since}">` : ''}
    ${level ? html`<input type="hidden" name="level" value="${level}">` : ''}
    <label>host <input type="search" name="host" value="${hostWord}" placeholder="web01"></label>
    <label>words <input type="search" name="q" value="${q}" placeholder="timed out"></label>
    <button type="submit">search</button>${hostWord || q ? html` <a href="${hrefWith('/logs', { since: params.since, level: params.level })}">clear</a>` : ''}
  </form>
</div>
<p class="summary"><span><b>${result.totalCapped ? `${COUNT_CAP}+` : result.total}</b> line${result.total === 1 ? '' : 's'}${host ? html` from ${host.name}` : ''} since ${time(since.toISOString(), ctx.timezone)}${level && level !== 'info' ? html` (${level} or worse)` : ''}${q ? html` matching <q>${q}</q>` : ''}, newest first</span></p>
${result.unindexedSince ? html`<p class="muted">Lines stored since ${time(result.unindexedSince, ctx.timezone)} are still being indexed: words do not find them yet.</p>` : ''}
${result.totalCapped ? html`<p class="muted">Only the newest ${COUNT_CAP} are paged through: narrow the search with a shorter time, a level or words.</p>` : ''}
${result.lines.length === 0
  ? html`<p class="muted">No lines${searchable ? (q || level ? ' matching these filters' : '') + (page > 1 ? ' on this page' : '') : ''}.${newest ? html` The newest line from ${host!.name} came in ${time(newest, ctx.timezone)}: <a href="${hrefWith('/logs', { ...params, since: sinceToReach(newest, now) })}">since ${sinceToReach(newest, now)}</a>.` : ''}</p>`
  : html`<table class="logs">
<thead><tr><th>received</th><th>level</th><th>host</th><th>source</th><th>message</th></tr></thead>
<tbody>${result.lines.map((l) => logRow(l, ctx.timezone, host, params))}</tbody>
</table>`}
${pager({ path: '/logs', params, page, total: result.total })}`;
  return { title: host ? `Logs · ${host.name}` : 'Logs', section: 'logs', body };
};

function logRow(l: LogLine, tz: string, host: LogHost | undefined, params: Record<string, string | undefined>): Html {
  const severity = severityOf(l.level) ?? 'info';
  return html`<tr data-log="${l.id}">
<td>${time(l.received_at, tz)}${l.ts && Math.abs(Date.parse(l.ts) - Date.parse(l.received_at)) >= 60_000 ? html`<br><span class="muted" title="the time the line carried">sent ${time(l.ts, tz)}</span>` : ''}</td>
<td>${severityPill(severity)}${l.level !== severity ? html` <span class="muted">${l.level}</span>` : ''}</td>
<td>${l.host === null ? html`<span class="muted">—</span>` : host ? l.host : html`<a href="${hrefWith('/logs', { ...params, host: l.host })}">${l.host}</a>`}</td>
<td>${l.source}${l.malformed ? html` <span class="muted">(unparsed)</span>` : ''}</td>
<td class="pre">${l.message.length <= MESSAGE_CHARS ? l.message : l.message.slice(0, MESSAGE_CHARS - 1) + '…'}</td>
</tr>`;
}
