import { bold, code, join, line, link, richText, tone, type Inline, type RichText, type Tone } from '../../chat/rich-text.js';
import type { Links } from '../../links.js';
import type { Priority, Ticket, TicketEvent, TicketStatus } from './model.js';

/** How tickets read in chat: `#42 [high] disk full on web01 — open, alice`. */

const PRIORITY_TONE: Record<Priority, Tone | null> = { urgent: 'critical', high: 'warning', normal: null, low: 'muted' };
const STATUS_TONE: Record<TicketStatus, Tone> = { open: 'info', in_progress: 'warning', resolved: 'ok', closed: 'ok' };

export function statusLabel(s: TicketStatus): Inline {
  return tone(STATUS_TONE[s], s.replace('_', ' '));
}

function priorityLabel(p: Priority): Inline | null {
  if (p === 'normal') return null;
  const t = PRIORITY_TONE[p];
  return t ? tone(t, `[${p}]`) : `[${p}]`;
}


/** One line: number, priority, title, status, assignee, hosts. */
export function ticketBrief(t: Ticket): Inline[] {
  return join([
    bold(`#${t.id}`),
    priorityLabel(t.priority),
    oneLine(t.title, 80),
    '—',
    statusLabel(t.status),
    t.assignee ? `→ ${t.assignee}` : tone('muted', 'unassigned'),
    t.hosts.length > 0 && tone('muted', `(${t.hosts.slice(0, 3).join(', ')}${t.hosts.length > 3 ? ` +${t.hosts.length - 3}` : ''})`),
  ]);
}

/** The preview a `#42` in conversation gets. */
export function ticketPreview(t: Ticket, links: Links): RichText {
  const url = links.ticket(t.id);
  return richText(line(...ticketBrief(t), ...(url ? [' ', link(url)] : [])));
}

/** A timeline entry as one line, without the time (the caller adds it). */
export function eventText(e: TicketEvent): Inline[] {
  switch (e.kind) {
    case 'created':
      return [`opened by ${e.actor}`];
    case 'comment':
      return [`${e.actor}: `, oneLine(e.body ?? '', 200)];
    case 'status':
      return join([`${e.actor} set`, statusLabel(e.new_value as TicketStatus), e.body && `— ${oneLine(e.body, 160)}`]);
    case 'assign':
      if (e.new_value && e.new_value === e.actor) return [`${e.actor} took it`];
      return [e.new_value ? `${e.actor} assigned ${e.new_value}` : `${e.actor} unassigned ${e.old_value ?? ''}`.trim()];
    case 'watch':
      return [`${e.new_value} watches`];
    case 'commit':
      return join([code(e.sha!.slice(0, 7)), e.body && oneLine(e.body, 160), e.url && link(e.url)]);
    case 'force_push':
      return join([tone('warning', 'force-push:'), e.body && oneLine(e.body, 200)]);
  }
}

export function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}
