import { bold, join, tone, type Inline, type Tone } from '../../src/chat/rich-text.js';
import type { Server, ServerStatus } from '../../src/domain/servers/model.js';

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
