import { describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/chat/render/plain.js';
import { planDigests as planWith, type Digest } from '../../src/delivery/digest.js';
import type { CondensableRow, DigestFacts } from '../../src/delivery/outbox.js';
import { digestFormat } from '../../src/domain/digest-format.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
let nextId = 1;

function row(facts: DigestFacts, opts: { priority?: number; atMs?: number } = {}): CondensableRow {
  return { id: nextId++, priority: opts.priority ?? 0, created_at: new Date(T0 + (opts.atMs ?? 0)).toISOString(), facts };
}
let nextAlert = 1;
const alert = (name: string, host: string | null, severity = 'critical', status: 'firing' | 'resolved' = 'firing', priority = severity === 'critical' ? 1 : 0) =>
  row({ kind: 'alert', id: nextAlert++, status, name, severity, host }, { priority });
const log = (host: string, level: string, atMs: number) => row({ kind: 'log', host, level }, { atMs });

const pad = (n: number) => String(n).padStart(2, '0');
const text = (d: Digest) => renderPlain(d.body);
// As the bot plans them: with the domain's severities and host names.
const planDigests = (rows: CondensableRow[]) => planWith(rows, digestFormat);

describe('planDigests: alert storms', () => {
  it('one line per state: `⚠ 37 firing: 30× DiskFull (web01…web30), 7× HighLoad (db1…db7)`', () => {
    // Arrival order mixed, as a storm arrives.
    const rows: CondensableRow[] = [];
    for (let i = 1; i <= 30; i++) {
      rows.push(alert('DiskFull', `web${pad(i)}`));
      if (i <= 7) rows.push(alert('HighLoad', `db${8 - i}`, 'warning'));
    }
    const digests = planDigests(rows);
    expect(digests).toHaveLength(1);
    expect(text(digests[0]!)).toBe('⚠ 37 firing: 30× DiskFull (web01…web30), 7× HighLoad (db1…db7)');
    expect([...digests[0]!.replaces].sort((a, b) => a - b)).toEqual(rows.map((r) => r.id).sort((a, b) => a - b));
    // A digest with a critical alert in it keeps the critical priority.
    expect(digests[0]!.priority).toBe(1);
  });

  it('orders groups by severity, then size, then name', () => {
    const rows = [alert('Zeta', 'a1', 'info'), alert('Beta', 'b1', 'warning'), alert('Alpha', 'c1', 'warning'), alert('Alpha', 'c2', 'warning'), alert('Gamma', 'd1', 'error')];
    expect(text(planDigests(rows)[0]!)).toBe('⚠ 5 firing: 1× Gamma (d1), 2× Alpha (c1, c2), 1× Beta (b1), 1× Zeta (a1)');
  });

  it('same name with different severities are separate groups', () => {
    const rows = [alert('DiskFull', 'web01', 'critical'), alert('DiskFull', 'web02', 'warning')];
    expect(text(planDigests(rows)[0]!)).toBe('⚠ 2 firing: 1× DiskFull (web01), 1× DiskFull (web02)');
  });

  it('alerts without a host are counted without a host range', () => {
    expect(text(planDigests([alert('BackupFailed', null), alert('BackupFailed', null)])[0]!)).toBe('⚠ 2 firing: 2× BackupFailed');
  });

  it('resolved alerts get a digest of their own', () => {
    const rows = [alert('DiskFull', 'web01', 'critical', 'resolved', 0), alert('DiskFull', 'web02', 'critical', 'resolved', 0), alert('HighLoad', 'db1', 'warning'), alert('DiskFull', 'web03', 'critical', 'resolved', 0)];
    const digests = planDigests(rows);
    expect(digests.map(text)).toEqual(['⚠ 1 firing: 1× HighLoad (db1)', '✔ 3 resolved: 3× DiskFull (web01…web03)']);
    expect(digests[1]!.replaces).toEqual([rows[0]!.id, rows[1]!.id, rows[3]!.id]);
    expect(digests[1]!.priority).toBe(0);
  });

  it('more than 6 groups: the first 6 are named, the rest counted as "and N more"', () => {
    const rows: CondensableRow[] = [];
    const names = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8'];
    names.forEach((n, i) => {
      // A1 has 8 alerts, A2 7, … A8 1: the sort by size puts them in this order.
      for (let k = 0; k < names.length - i; k++) rows.push(alert(n, `h${k + 1}`, 'warning'));
    });
    const [d] = planDigests(rows);
    expect(rows).toHaveLength(36);
    // A7 (2 alerts) and A8 (1) are hidden: 3 more alerts.
    expect(text(d!)).toBe('⚠ 36 firing: 8× A1 (h1…h8), 7× A2 (h1…h7), 6× A3 (h1…h6), 5× A4 (h1…h5), 4× A5 (h1…h4), 3× A6 (h1…h3), and 3 more');
    expect(d!.replaces).toHaveLength(36);
  });

  it('counts alerts, not rows: a repeat or a reminder of one alert is still one', () => {
    // Alert 1 posted, repeated and reminded about; alert 2 once; alert 3 resolved after a post.
    const one = (status: 'firing' | 'resolved' = 'firing') => row({ kind: 'alert', id: 1001, status, name: 'DiskFull', severity: 'critical', host: 'web01' }, { priority: 1 });
    const rows = [
      one(),
      alert('DiskFull', 'web02'),
      one(),
      one(),
      row({ kind: 'alert', id: 1003, status: 'firing', name: 'HighLoad', severity: 'warning', host: 'db1' }),
      row({ kind: 'alert', id: 1003, status: 'resolved', name: 'HighLoad', severity: 'warning', host: 'db1' }),
    ];
    const digests = planDigests(rows);
    expect(digests.map(text)).toEqual(['⚠ 3 firing: 2× DiskFull (web01, web02), 1× HighLoad (db1)', '✔ 1 resolved: 1× HighLoad (db1)']);
    // Every row is replaced, repeats included.
    expect([...digests[0]!.replaces, ...digests[1]!.replaces].sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
  });

  it('"and N more" counts the hidden alerts, not their rows', () => {
    const rows = ['A', 'B', 'C', 'D', 'E', 'F'].flatMap((n) => [alert(n, 'h1', 'warning'), alert(n, 'h2', 'warning')]);
    // G: one alert posted three times.
    for (let i = 0; i < 3; i++) rows.push(row({ kind: 'alert', id: 2001, status: 'firing', name: 'G', severity: 'warning', host: 'h1' }));
    expect(text(planDigests(rows)[0]!)).toBe('⚠ 13 firing: 2× A (h1, h2), 2× B (h1, h2), 2× C (h1, h2), 2× D (h1, h2), 2× E (h1, h2), 2× F (h1, h2), and 1 more');
  });

  it('exactly 6 groups: no "and more"', () => {
    const rows = ['A', 'B', 'C', 'D', 'E', 'F'].map((n) => alert(n, 'h1', 'warning'));
    expect(text(planDigests(rows)[0]!)).not.toContain('more');
  });

  it('nothing to plan: no digests', () => {
    expect(planDigests([])).toEqual([]);
  });

  it('ranks severities and names hosts as the format it is given says', () => {
    const format = { severityTone: () => 'muted' as const, severityRank: (s: string) => (s === 'low' ? 0 : 1), hostRange: (h: string[]) => `${h.length} boxes` };
    const rows = [alert('A', 'h1', 'high'), alert('B', 'h2', 'low'), alert('B', 'h3', 'low')];
    expect(text(planWith(rows, format)[0]!)).toBe('⚠ 3 firing: 2× B (2 boxes), 1× A (1 boxes)');
  });
});

describe('planDigests: log bursts', () => {
  it('keeps the first 2 lines of each host and sums up the rest', () => {
    const rows: CondensableRow[] = [];
    for (let i = 0; i < 122; i++) rows.push(log('app03', i % 4 === 0 ? 'warning' : 'error', i * 500));
    const digests = planDigests(rows);
    expect(digests).toHaveLength(1);
    const d = digests[0]!;
    // Lines 3…122 (120 of them) are replaced; the first two stay pending as they are.
    expect(d.replaces).toEqual(rows.slice(2).map((r) => r.id));
    // From the 3rd line (1 s) to the 122nd (60.5 s): 60 s, rounded.
    expect(text(d)).toBe('…and 120 similar lines from app03 in the last 60 s (90 error, 30 warning)');
  });

  it('hosts are summed up separately; a host with 2 lines or fewer gets no digest', () => {
    const rows = [log('app01', 'error', 0), log('app02', 'error', 0), log('app01', 'error', 100), log('app01', 'error', 200), log('app02', 'info', 300), log('app03', 'error', 400), log('app01', 'error', 400)];
    const digests = planDigests(rows);
    expect(digests.map(text)).toEqual(['…and 2 similar lines from app01 in the last 1 s (2 error)']);
    expect(digests[0]!.replaces).toEqual([rows[3]!.id, rows[6]!.id]);
  });

  it('a burst within the same second says "1 s", never 0', () => {
    const rows = [0, 0, 0, 0].map(() => log('app01', 'error', 0));
    expect(text(planDigests(rows)[0]!)).toBe('…and 2 similar lines from app01 in the last 1 s (2 error)');
  });

  it('alerts and log lines in one backlog: alert digests first, then one per noisy host', () => {
    const rows = [log('app01', 'error', 0), alert('DiskFull', 'web01'), log('app01', 'error', 1000), log('app01', 'error', 2000), alert('DiskFull', 'web02', 'critical', 'resolved', 0), log('app01', 'error', 5000)];
    expect(planDigests(rows).map(text)).toEqual(['⚠ 1 firing: 1× DiskFull (web01)', '✔ 1 resolved: 1× DiskFull (web02)', '…and 2 similar lines from app01 in the last 3 s (2 error)']);
  });
});

describe('planDigests: a log burst from many hosts at once', () => {
  it('becomes one digest for all hosts, keeping the first two lines', () => {
    const rows = Array.from({ length: 30 }, (_, i) => log(`app${String(i + 1).padStart(2, '0')}`, 'error', i * 1000));
    const digests = planDigests(rows);
    expect(digests.map(text)).toEqual(['…and 28 similar lines from 30 hosts (app01…app30) in the last 27 s (28 error)']);
    expect(digests[0]!.replaces).toEqual(rows.slice(2).map((r) => r.id));
  });
});
