import { bold, join, line, tone, type Block, type Inline, type Tone } from '../../src/chat/rich-text.js';
import type { Server, ServerStatus } from '../../src/domain/servers/model.js';
import { oneLine } from '../../src/domain/tickets/format.js';
import type { Ticket } from '../../src/domain/tickets/model.js';

const STATUS_TONE: Record<ServerStatus, Tone> = {
  working: 'ok',
  standby: 'info',
  maintenance: 'warning',
  poweroff: 'critical',
  retired: 'muted',
};

export function statusLabel(s: ServerStatus): Inline {
  return tone(STATUS_TONE[s], s);
}

function hardware(s: Server): string | null {
  const parts = [s.cpu !== null && `${s.cpu} CPU`, s.memory_gb !== null && `${s.memory_gb} GB`, s.model].filter(Boolean);
  return parts.length ? parts.join(' / ') : null;
}

function location(s: Server): string | null {
  if (!s.dc && !s.rack) return null;
  return `${s.dc ?? '?'}/${s.rack ?? '?'}`;
}

/** Everything about one host on one line. */
export function serverLine(s: Server): Inline[] {
  return join(
    [
      bold(s.name),
      statusLabel(s.status),
      s.roles.length > 0 && `roles ${s.roles.join(', ')}`,
      s.ips.length > 0 && s.ips.join(', '),
      location(s),
      hardware(s),
      s.os,
      s.service && `service ${s.service}`,
      s.tags.length > 0 && `tags ${s.tags.join(', ')}`,
    ],
    ' · ',
  );
}

/** A short line for lists of hosts. */
export function serverBrief(s: Server): Inline[] {
  return join([bold(s.name), statusLabel(s.status), s.ips[0], location(s), s.roles.join(',')], ' ');
}

/** A ticket's title is cut to this in a host's reply: the line names a few, `!ticket ID` has the rest. */
const TITLE_CHARS = 40;

/** A host's active tickets on one line: `tickets: #12 disk full, #14 fan noise …and 2 more: !tickets host=web01`. */
export function hostTicketsLine(tickets: readonly Ticket[], total: number, more: string): Block {
  const items = tickets.flatMap((t, i) => [...(i > 0 ? [', '] : []), bold(`#${t.id}`), ` ${oneLine(t.title, TITLE_CHARS)}`]);
  const hidden = total - tickets.length;
  return line('tickets: ', ...items, ...(hidden > 0 ? [` …and ${hidden} more: ${more}`] : []));
}
