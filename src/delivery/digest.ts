import { bold, join, line, richText, tone, type Inline, type RichText, type Tone } from '../chat/rich-text.js';
import type { CondensableRow } from './outbox.js';

/**
 * Storm digests: a backlog of alerts becomes one line per state,
 * `⚠ 37 firing: 30× DiskFull (web01…web30), 7× HighLoad (db1…db7)`, and a
 * burst of log lines keeps each host's first lines and sums up the rest,
 * `…and 120 similar lines from app03 in the last 60 s`.
 */

/**
 * Delivery groups alerts by severity and names the hosts of a group, but
 * what a severity means and how the fleet names its hosts are the domain's
 * to say: the caller passes them in.
 */
export interface DigestFormat {
  severityTone(severity: string): Tone;
  /** Lower ranks are named first in a digest line. */
  severityRank(severity: string): number;
  /** One short name for several hosts (`web01…web30`); '' for none. */
  hostRange(hosts: string[]): string;
}

export interface Digest {
  body: RichText;
  priority: number;
  replaces: number[];
}

/** Alert groups named in one digest line; the rest are counted. */
const MAX_GROUPS = 6;
/** Log lines of each host that are still posted as they are. */
const LOG_LINES_KEPT = 2;
/** More kept lines than this in all: one digest for every host instead. */
const MAX_LOG_LINES_KEPT = 10;

export function planDigests(rows: CondensableRow[], format: DigestFormat): Digest[] {
  const digests: Digest[] = [];
  for (const status of ['firing', 'resolved'] as const) {
    const alerts = rows.filter((r) => r.facts.kind === 'alert' && r.facts.status === status);
    if (alerts.length > 0) digests.push(alertDigest(status, alerts, format));
  }
  const byHost = new Map<string, CondensableRow[]>();
  for (const r of rows) {
    if (r.facts.kind !== 'log') continue;
    const list = byHost.get(r.facts.host) ?? [];
    list.push(r);
    byHost.set(r.facts.host, list);
  }
  const logRows = rows.filter((r) => r.facts.kind === 'log');
  if (byHost.size * LOG_LINES_KEPT > MAX_LOG_LINES_KEPT) {
    // A burst from many hosts at once: keeping each host's first lines would still be a flood.
    const rest = logRows.slice(LOG_LINES_KEPT);
    if (rest.length > 0) digests.push(logDigest(`${byHost.size} hosts`, rest, format, [...byHost.keys()]));
    return digests;
  }
  for (const [host, list] of byHost) {
    const rest = list.slice(LOG_LINES_KEPT);
    if (rest.length > 0) digests.push(logDigest(host, rest, format));
  }
  return digests;
}

function alertDigest(status: 'firing' | 'resolved', rows: CondensableRow[], format: DigestFormat): Digest {
  // Counted in alerts, not rows: a repeat or a reminder of one alert is still
  // one, in the group of its latest severity.
  const latest = new Map<number, CondensableRow>();
  for (const r of rows) if (r.facts.kind === 'alert') latest.set(r.facts.id, r);
  const groups = new Map<string, { name: string; severity: string; hosts: Set<string>; ids: Set<number> }>();
  const all = new Set<number>();
  for (const r of latest.values()) {
    if (r.facts.kind !== 'alert') continue;
    const key = `${r.facts.severity}\0${r.facts.name}`;
    const g = groups.get(key) ?? { name: r.facts.name, severity: r.facts.severity, hosts: new Set<string>(), ids: new Set<number>() };
    g.ids.add(r.facts.id);
    all.add(r.facts.id);
    if (r.facts.host) g.hosts.add(r.facts.host);
    groups.set(key, g);
  }
  const sorted = [...groups.values()].sort((a, b) => format.severityRank(a.severity) - format.severityRank(b.severity) || b.ids.size - a.ids.size || a.name.localeCompare(b.name));
  const shown = sorted.slice(0, MAX_GROUPS);
  const hidden = sorted.slice(MAX_GROUPS).reduce((n, g) => n + g.ids.size, 0);
  const parts: Inline[] = [];
  for (const g of shown) {
    if (parts.length > 0) parts.push(', ');
    parts.push(`${g.ids.size}× `, tone(format.severityTone(g.severity), bold(g.name)));
    const hosts = format.hostRange([...g.hosts]);
    if (hosts) parts.push(` (${hosts})`);
  }
  if (hidden > 0) parts.push(`, and ${hidden} more`);
  const head = status === 'firing' ? tone('critical', bold(`⚠ ${all.size} firing:`)) : tone('ok', bold(`✔ ${all.size} resolved:`));
  return { body: richText(line(head, ' ', ...parts)), priority: Math.max(...rows.map((r) => r.priority)), replaces: rows.map((r) => r.id) };
}

function logDigest(host: string, rows: CondensableRow[], format: DigestFormat, hosts?: string[]): Digest {
  const first = Date.parse(rows[0]!.created_at);
  const last = Date.parse(rows[rows.length - 1]!.created_at);
  const seconds = Math.max(1, Math.round((last - first) / 1000));
  const levels = new Map<string, number>();
  for (const r of rows) if (r.facts.kind === 'log') levels.set(r.facts.level, (levels.get(r.facts.level) ?? 0) + 1);
  const byLevel = [...levels].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${n} ${l}`).join(', ');
  return {
    body: richText(line(...join([`…and ${rows.length} similar lines from`, bold(host), hosts && `(${format.hostRange(hosts)})`, `in the last ${seconds} s`, tone('muted', `(${byLevel})`)]))),
    priority: Math.max(...rows.map((r) => r.priority)),
    replaces: rows.map((r) => r.id),
  };
}
