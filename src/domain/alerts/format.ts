import { bold, code, join, line, link, richText, tone, type Inline, type RichText, type Tone } from '../../chat/rich-text.js';
import { formatDuration } from '../../time/duration.js';
import type { Links } from '../../links.js';
import type { Alert, Severity } from './model.js';

/**
 * How an alert reads in chat. Every message names the severity, the alert,
 * the host, the summary, the alert's id for !ack, and a link.
 */
export const SEVERITY_TONE: Record<Severity, Tone> = { critical: 'critical', error: 'critical', warning: 'warning', info: 'info' };

export type AlertNews = 'firing' | 'repeat' | 'reminder' | 'resolved';

/** Where "more" about an alert is: the source's own page, else the alert on the board (or in the API). */
export function alertUrl(a: Alert, links: Links): string | undefined {
  return a.url ?? links.alert(a.id);
}

function severityLabel(s: Severity): Inline {
  return tone(SEVERITY_TONE[s], bold(s.toUpperCase()));
}

export function alertMessage(a: Alert, news: AlertNews, now: Date, links: Links): RichText {
  const url = alertUrl(a, links);
  const detail = alertDetail(a);
  const lasted = formatDuration((a.resolved_at ? Date.parse(a.resolved_at) : now.getTime()) - Date.parse(a.started_at));
  const head: Inline[] =
    news === 'resolved'
      ? [tone('ok', bold('RESOLVED')), a.severity === 'info' ? '' : `(${a.severity})`]
      : news === 'reminder'
        ? [tone('critical', bold('STILL FIRING')), `for ${lasted}, not acknowledged:`, severityLabel(a.severity)]
        : [severityLabel(a.severity), news === 'repeat' ? `(still firing, ${a.count}×)` : ''];
  return richText(
    line(
      ...join([
        ...head,
        bold(a.name),
        a.host && `on ${a.host}`,
        news === 'resolved' ? `after ${lasted}` : '',
        detail && '—',
        detail && oneLine(detail),
        `(#${a.id})`,
        url && link(url),
      ]),
    ),
  );
}

/** One line for a list (`!alerts`): severity, name, host, since when, ack state. */
export function alertBrief(a: Alert, now: Date): Inline[] {
  const age = formatDuration(now.getTime() - Date.parse(a.started_at));
  return join([
    code(`#${a.id}`),
    a.status === 'resolved' ? tone('ok', 'resolved') : severityLabel(a.severity),
    bold(a.name),
    a.host && `on ${a.host}`,
    a.status === 'firing' ? `for ${age}` : `lasted ${formatDuration(Date.parse(a.resolved_at!) - Date.parse(a.started_at))}`,
    a.count > 1 && `${a.count}×`,
    a.acked_by && tone('muted', `acked by ${a.acked_by}`),
    a.suppressed && tone('muted', a.suppressed === 'maintenance' ? 'suppressed (maintenance)' : `silenced (${a.suppressed.replace(':', ' #')})`),
    alertDetail(a) && '—',
    alertDetail(a) && oneLine(alertDetail(a)!),
  ]);
}

/** What to say after the name: the summary, or a generic alert's text (its title is both name and summary). */
function alertDetail(a: Alert): string | null {
  return a.summary !== a.name ? a.summary : a.text;
}

/** The first line of a text, cut to fit a chat line. */
function oneLine(s: string): string {
  const first = s.split('\n', 1)[0]!.trim();
  return first.length > 300 ? first.slice(0, 299) + '…' : first;
}
