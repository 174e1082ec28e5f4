/**
 * The neutral alert every source is turned into, and the stored alert.
 * Severities are few and ordered so that routing, badges and repeats can
 * compare them; each source's own words are mapped onto them.
 */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical', crit: 'critical', fatal: 'critical', emerg: 'critical', emergency: 'critical', alert: 'critical', page: 'critical', disaster: 'critical', urgent: 'critical', p1: 'critical',
  error: 'error', err: 'error', high: 'error', major: 'error', p2: 'error',
  warning: 'warning', warn: 'warning', medium: 'warning', minor: 'warning', average: 'warning', p3: 'warning',
  info: 'info', informational: 'info', notice: 'info', low: 'info', debug: 'info', none: 'info', ok: 'info', p4: 'info', p5: 'info',
};

/** The severity a source's word means, or null when the word is unknown. */
export function severityOf(word: string): Severity | null {
  return SEVERITY_WORDS[word.trim().toLowerCase()] ?? null;
}

/** Lower is worse: sorts critical first. */
export function severityRank(s: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(s);
  return i === -1 ? SEVERITIES.length : i;
}

export type AlertStatus = 'firing' | 'resolved';

export interface AlertInput {
  source: string;
  /** The source's fingerprint; else a hash of the labels is used. */
  fingerprint?: string;
  name: string;
  severity: Severity;
  status: AlertStatus;
  /** Host as the source named it (from the labels or the payload). */
  host?: string;
  summary: string;
  text?: string;
  labels: Record<string, string>;
  url?: string;
  startsAt?: Date;
  endsAt?: Date;
}

export interface Alert {
  id: number;
  fingerprint: string;
  source: string;
  name: string;
  severity: Severity;
  status: AlertStatus;
  host: string | null;
  server_id: number | null;
  summary: string;
  text: string | null;
  labels: Record<string, string>;
  url: string | null;
  started_at: string;
  resolved_at: string | null;
  first_seen_at: string;
  last_seen_at: string;
  count: number;
  last_notified_at: string | null;
  acked_at: string | null;
  acked_by: string | null;
  ack_note: string | null;
  suppressed: string | null;
}

export interface AlertEvent {
  id: number;
  at: string;
  kind: string;
  actor: string | null;
  detail: string | null;
}
