import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RichText } from '../../src/chat/rich-text.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { planDigests } from '../../src/delivery/digest.js';
import type { CondensableRow } from '../../src/delivery/outbox.js';
import { DEFAULT_HOST_LABELS } from '../../src/domain/alerts/host.js';
import type { Alert } from '../../src/domain/alerts/model.js';
import { digestFormat } from '../../src/domain/digest-format.js';
import { importServers } from '../../src/domain/servers/import.js';
import { fromAlertmanager, fromGeneric } from '../../src/ingest/alerts/sources.js';
import { SAMPLE_CSV, testCore, type TestCore } from '../helpers/core.js';

/**
 * Alert intake through the real core (SQLite, routes, outbox, dispatcher)
 * with a fixed clock: what gets stored, what gets posted where, and what the
 * chat commands say about it. Nothing sleeps; time moves with clock.advance.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'alerts');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const MIN = 60_000;
const CRITICAL_CHANNELS = ['irc:#ops', 'slack:#incidents', 'irc:#alerts'];
const CONFIG = {
  roles: { admin: ['console'], operator: ['irc:account:bob'] },
  alerts: {
    routes: [
      { match: { severity: 'critical' }, to: ['irc:#ops', 'slack:#incidents'], continue: true },
      { to: ['irc:#alerts'] },
    ],
  },
};
const ADMIN = { identity: 'console', name: 'root' };
const BOB = { identity: 'irc:account:bob', name: 'bob' };

interface OutRow {
  id: number;
  channel: string;
  text: string;
  priority: number;
  kind: string | null;
  condensed_into: number | null;
}

let core: TestCore;
let mark = 0;

beforeEach(async () => {
  core = await testCore(CONFIG);
  const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
  mark = 0;
});
afterEach(() => core.cleanup());

async function outboxRows(where = '1 = 1', ...params: unknown[]): Promise<OutRow[]> {
  const rows = await core.db.all<OutRow & { body: string }>(`SELECT id, channel, body, priority, kind, condensed_into FROM outbox WHERE ${where} ORDER BY id`, params);
  return rows.map(({ body, ...r }) => ({ ...r, text: renderPlain(JSON.parse(body) as RichText) }));
}

/** Rows written since the last call. */
async function newRows(): Promise<OutRow[]> {
  const rows = await outboxRows('id > ?', mark);
  mark = rows.at(-1)?.id ?? mark;
  return rows;
}

/** An Alertmanager alert, as its webhook carries it. */
function am(name: string, instance: string, severity = 'critical', status: 'firing' | 'resolved' = 'firing', extra: Record<string, unknown> = {}) {
  return { status, labels: { alertname: name, instance, severity }, annotations: { summary: `${name} on ${instance}` }, ...extra };
}

/** Parses and ingests alerts as the Alertmanager endpoint does. */
function send(...alerts: ReturnType<typeof am>[]) {
  return core.services.alerts.ingest(fromAlertmanager({ version: '4', status: 'firing', alerts }, { hostLabels: DEFAULT_HOST_LABELS }));
}

async function alert(id: number): Promise<Alert> {
  const a = await core.services.alertStore.get(id);
  if (!a) throw new Error(`no alert ${id}`);
  return a;
}

/** Why each alert is held back, in order. */
async function suppressedOf(...ids: number[]): Promise<Array<string | null>> {
  return Promise.all(ids.map(async (id) => (await alert(id)).suppressed));
}

async function serverId(name: string): Promise<number> {
  return (await core.services.inventory.get(name))!.id;
}

describe('a new alert', () => {
  it('is stored and written to the outbox of every channel its route names', async () => {
    expect(await send(am('DiskFull', 'web01:9100'))).toEqual([{ id: 1, fingerprint: expect.any(String), outcome: 'opened', posted: true }]);
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    for (const r of rows) {
      expect(r.text).toBe('CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)');
      expect(r.priority).toBe(1);
      expect(r.kind).toBe('alert');
    }
    expect(await alert(1)).toMatchObject({ status: 'firing', host: 'web01', server_id: await serverId('web01'), count: 1, last_notified_at: '2026-11-25T12:00:00.000Z', suppressed: null });
  });

  it('a warning goes only where the route for the rest says, at normal priority', async () => {
    await send(am('HighLoad', 'db12:9100', 'warning'));
    expect((await newRows()).map((r) => [r.channel, r.text, r.priority])).toEqual([['irc:#alerts', 'WARNING HighLoad on db12 — HighLoad on db12:9100 (#1)', 0]]);
  });

  it('the captured Alertmanager group: each alert stored with its fingerprint and posted with its link', async () => {
    const accepted = await core.services.alerts.ingest(fromAlertmanager(fixture('alertmanager-firing.json'), { hostLabels: DEFAULT_HOST_LABELS }));
    expect(accepted.map((a) => [a.fingerprint, a.outcome])).toEqual([
      ['f0cacca025ff1cb6', 'opened'],
      ['4dbace756ef84ad5', 'opened'],
    ]);
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(['irc:#alerts', ...CRITICAL_CHANNELS]);
    expect(rows[0]!.text).toBe('WARNING HighLoad on db1 — Load average on db1:9100 is 12.4 (#1) http://prometheus.example.com:9090/graph?g0.expr=node_load5+%3E+8&g0.tab=1');
    expect(rows[1]!.text).toMatch(/^CRITICAL DiskFull on web01 — Disk \/ on web01:9100 is 97% full \(#2\) http:\/\/prometheus\.example\.com:9090\/graph\?/);
    // db1 is not in the inventory: kept as the source named it.
    expect(await alert(1)).toMatchObject({ host: 'db1', server_id: null, started_at: '2025-03-14T09:14:15.500Z' });
    expect(await alert(2)).toMatchObject({ host: 'web01', server_id: await serverId('web01'), text: 'Filesystem / on web01:9100 has 2.9GiB left.' });
  });
});

describe('links', () => {
  it('an alert without a link of its own points to itself in the HTTP API under http.public_url', async () => {
    const linked = await testCore({ ...CONFIG, http: { public_url: 'https://ops.example.com/bot/' } });
    try {
      const o = { hostLabels: DEFAULT_HOST_LABELS };
      await linked.services.alerts.ingest(fromGeneric([{ title: 'Backup failed', severity: 'error', host: 'db12' }, { title: 'Cert expires', severity: 'error', url: 'https://ci.example.com/42' }], o));
      const texts = (await linked.db.column<string>('SELECT body FROM outbox ORDER BY id')).map((b) => renderPlain(JSON.parse(b) as RichText));
      expect(texts).toEqual(['ERROR Backup failed on db12 (#1) https://ops.example.com/bot/alerts/1', 'ERROR Cert expires (#2) https://ci.example.com/42']);
      expect((await linked.ask('!alert 1')).text.split('\n')).toContain('https://ops.example.com/bot/alerts/1');
    } finally {
      await linked.cleanup();
    }
  });

  it('without http.public_url, an alert without a link of its own has none', async () => {
    await core.services.alerts.ingest(fromGeneric({ title: 'Backup failed', severity: 'error', host: 'db12' }, { hostLabels: DEFAULT_HOST_LABELS }));
    expect((await newRows()).map((r) => r.text)).toEqual(['ERROR Backup failed on db12 (#1)']);
  });
});

describe('deduplication', () => {
  it('the same alert within the dedup window is counted, not posted; after the window it is posted again', async () => {
    await send(am('DiskFull', 'web01:9100'));
    await newRows();

    core.clock.advance(4 * MIN + 59_000);
    expect(await send(am('DiskFull', 'web01:9100'))).toEqual([{ id: 1, fingerprint: expect.any(String), outcome: 'deduplicated', posted: false }]);
    expect(await newRows()).toEqual([]);
    expect(await alert(1)).toMatchObject({ count: 2, last_seen_at: '2026-11-25T12:04:59.000Z', last_notified_at: '2026-11-25T12:00:00.000Z' });

    core.clock.advance(1_000); // 5 min since the last post
    expect((await send(am('DiskFull', 'web01:9100')))[0]).toMatchObject({ outcome: 'repeat', posted: true });
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    expect(rows[0]!.text).toBe('CRITICAL (still firing, 3×) DiskFull on web01 — DiskFull on web01:9100 (#1)');
    expect(await alert(1)).toMatchObject({ count: 3, last_notified_at: '2026-11-25T12:05:00.000Z' });

    // The window starts again from that post.
    core.clock.advance(3 * MIN);
    await send(am('DiskFull', 'web01:9100'));
    expect(await newRows()).toEqual([]);
  });

  it('a batch with the same alert twice posts it once', async () => {
    expect((await send(am('DiskFull', 'web01:9100'), am('DiskFull', 'web01:9100'))).map((a) => [a.outcome, a.posted])).toEqual([
      ['opened', true],
      ['deduplicated', false],
    ]);
    expect(await newRows()).toHaveLength(3);
    expect((await alert(1)).count).toBe(2);
  });

  // A generic alert's fingerprint is its labels (title + host), not its
  // severity: warning → critical is the same alert getting worse.
  it('an alert that escalates to critical within the window is posted where critical alerts go', async () => {
    const o = { hostLabels: DEFAULT_HOST_LABELS };
    await core.services.alerts.ingest(fromGeneric({ title: 'Disk filling', severity: 'warning', host: 'web01' }, o));
    expect((await newRows()).map((r) => r.channel)).toEqual(['irc:#alerts']);
    core.clock.advance(MIN);
    expect(await core.services.alerts.ingest(fromGeneric({ title: 'Disk filling', severity: 'critical', host: 'web01' }, o))).toEqual([
      { id: 1, fingerprint: expect.any(String), outcome: 'escalated', posted: true },
    ]);
    expect(await alert(1)).toMatchObject({ severity: 'critical', count: 2, last_notified_at: '2026-11-25T12:01:00.000Z' });
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    for (const r of rows) {
      expect(r.text).toBe('CRITICAL (still firing, 2×) Disk filling on web01 (#1)');
      expect(r.priority).toBe(1);
    }
    expect((await core.services.alertStore.events(1, 1))[0]).toMatchObject({ kind: 'escalated', detail: 'warning → critical' });

    // Still critical within the window: counted, not posted.
    core.clock.advance(MIN);
    expect((await core.services.alerts.ingest(fromGeneric({ title: 'Disk filling', severity: 'critical', host: 'web01' }, o)))[0]).toMatchObject({ outcome: 'deduplicated', posted: false });
    // Better (critical → warning) is not news either; the alert says what it is now.
    expect((await core.services.alerts.ingest(fromGeneric({ title: 'Disk filling', severity: 'warning', host: 'web01' }, o)))[0]).toMatchObject({ outcome: 'deduplicated', posted: false });
    expect(await newRows()).toEqual([]);
    expect((await alert(1)).severity).toBe('warning');
    expect((await core.services.alertStore.events(1, 10)).map((e) => e.kind)).toEqual(['escalated', 'first seen']);
  });

  it('an acknowledged alert that gets worse is posted all the same', async () => {
    const o = { hostLabels: DEFAULT_HOST_LABELS };
    await core.services.alerts.ingest(fromGeneric({ title: 'Disk filling', severity: 'warning', host: 'web01' }, o));
    await newRows();
    await core.ask('!ack 1 on it', { identity: 'console' });
    await newRows();
    core.clock.advance(MIN);
    expect((await core.services.alerts.ingest(fromGeneric({ title: 'Disk filling', severity: 'critical', host: 'web01' }, o)))[0]).toMatchObject({ outcome: 'escalated', posted: true });
    expect((await newRows()).map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
  });

  // Fingerprints are unique per source: a fingerprint a script chose (or
  // another source's hash) cannot resolve, reopen or rename an unrelated alert.
  it('a fingerprint from one source does not touch another source\'s alert', async () => {
    const o = { hostLabels: DEFAULT_HOST_LABELS };
    await core.services.alerts.ingest(fromGeneric({ title: 'Backup failed', severity: 'critical', host: 'db12', fingerprint: '4dbace756ef84ad5' }, o));
    // The Alertmanager alert with the same fingerprint is another alert.
    expect((await core.services.alerts.ingest(fromAlertmanager(fixture('alertmanager-firing.json'), o))).map((a) => [a.id, a.fingerprint, a.outcome])).toEqual([
      [2, 'f0cacca025ff1cb6', 'opened'],
      [3, '4dbace756ef84ad5', 'opened'],
    ]);
    expect((await core.services.alerts.ingest(fromAlertmanager(fixture('alertmanager-resolved.json'), o))).map((a) => [a.id, a.outcome])).toEqual([
      [2, 'resolved'],
      [3, 'resolved'],
    ]);
    expect(await alert(1)).toMatchObject({ source: 'api', name: 'Backup failed', status: 'firing', count: 1 });
    expect(await alert(3)).toMatchObject({ source: 'alertmanager', name: 'DiskFull', status: 'resolved' });
    expect(await core.db.column("SELECT source FROM alerts WHERE fingerprint = '4dbace756ef84ad5' ORDER BY id")).toEqual(['api', 'alertmanager']);
    // And the other way round: the script's alert resolves only its own.
    expect((await core.services.alerts.ingest(fromGeneric({ title: 'Backup failed', severity: 'critical', status: 'resolved', host: 'db12', fingerprint: '4dbace756ef84ad5' }, o)))[0]).toMatchObject({ id: 1, outcome: 'resolved' });
  });

  it('a huge summary annotation is cut to one short line, not posted whole', async () => {
    await send(am('Big', 'web01:9100', 'warning', 'firing', { annotations: { summary: 'x'.repeat(100_000) + '\nsecond line' } }));
    const [row] = await newRows();
    expect(row!.text.length).toBeLessThan(1_000);
    expect(row!.text).toMatch(/^WARNING Big on web01 — x+… \(#1\)$/);
  });

  it('counts deduplicated notifications in the metrics', async () => {
    await send(am('DiskFull', 'web01:9100'));
    await send(am('DiskFull', 'web01:9100'));
    await send(am('DiskFull', 'web01:9100'));
    const { body } = await core.metrics.render();
    expect(body).toContain('opsbridge_alerts_accepted_total{source="alertmanager"} 3');
    expect(body).toContain('opsbridge_alerts_deduplicated_total{source="alertmanager"} 2');
  });
});

describe('resolution', () => {
  it('a resolved alert is posted with how long it lasted', async () => {
    const start = '2026-11-25T11:00:00Z';
    await send(am('DiskFull', 'web01:9100', 'critical', 'firing', { startsAt: start }));
    await newRows();
    core.clock.advance(2 * MIN);
    expect((await send(am('DiskFull', 'web01:9100', 'critical', 'resolved', { startsAt: start, endsAt: '2026-11-25T12:02:00Z' })))[0]!.outcome).toBe('resolved');
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    for (const r of rows) expect(r.text).toBe('RESOLVED (critical) DiskFull on web01 after 1h 2m — DiskFull on web01:9100 (#1)');
    // A resolution is good news: it does not jump the queue.
    expect(rows.map((r) => r.priority)).toEqual([0, 0, 0]);
    expect(await alert(1)).toMatchObject({ status: 'resolved', resolved_at: '2026-11-25T12:02:00.000Z' });
  });

  it('without endsAt, the time it was received is the end', async () => {
    await send(am('HighLoad', 'db12:9100', 'warning'));
    core.clock.advance(45 * MIN + 30_000);
    await send(am('HighLoad', 'db12:9100', 'warning', 'resolved'));
    expect((await newRows()).at(-1)!.text).toBe('RESOLVED (warning) HighLoad on db12 after 45m 30s — HighLoad on db12:9100 (#1)');
  });

  it('the captured Alertmanager resolved group closes both alerts', async () => {
    const o = { hostLabels: DEFAULT_HOST_LABELS };
    await core.services.alerts.ingest(fromAlertmanager(fixture('alertmanager-firing.json'), o));
    await newRows();
    expect((await core.services.alerts.ingest(fromAlertmanager(fixture('alertmanager-resolved.json'), o))).map((a) => a.outcome)).toEqual(['resolved', 'resolved']);
    const texts = (await newRows()).map((r) => r.text);
    expect(texts[0]).toMatch(/^RESOLVED \(warning\) HighLoad on db1 after 29m 15s — /);
    expect(texts[1]).toMatch(/^RESOLVED \(critical\) DiskFull on web01 after 28m 18s — /);
  });

  it('the resolution of an alert that was never posted is stored but not posted', async () => {
    expect((await send(am('DiskFull', 'web01:9100', 'critical', 'resolved')))[0]).toMatchObject({ outcome: 'stale', posted: false });
    expect(await newRows()).toEqual([]);
    expect(await alert(1)).toMatchObject({ status: 'resolved', last_notified_at: null });
  });

  it('the resolution of an alert a silence held back closes it without a post', async () => {
    await core.ask('!silence alertname=DiskFull 1h', ADMIN);
    expect((await send(am('DiskFull', 'web01:9100')))[0]).toMatchObject({ outcome: 'silenced', posted: false });
    expect((await send(am('DiskFull', 'web01:9100', 'critical', 'resolved')))[0]).toMatchObject({ outcome: 'resolved', posted: false });
    expect(await newRows()).toEqual([]);
    expect(await alert(1)).toMatchObject({ status: 'resolved', last_notified_at: null });
  });

  it('a second resolution is not posted again', async () => {
    await send(am('DiskFull', 'web01:9100'));
    await send(am('DiskFull', 'web01:9100', 'critical', 'resolved'));
    await newRows();
    core.clock.advance(10 * MIN);
    await send(am('DiskFull', 'web01:9100', 'critical', 'resolved'));
    expect(await newRows()).toEqual([]);
    expect((await alert(1)).status).toBe('resolved');
  });

  it('firing again after the resolution reopens the same alert, with its history', async () => {
    await send(am('DiskFull', 'web01:9100'));
    await core.ask('!ack 1 swapping the disk', BOB);
    core.clock.advance(10 * MIN);
    await send(am('DiskFull', 'web01:9100', 'critical', 'resolved'));
    core.clock.advance(60 * MIN);
    await newRows();

    expect(await send(am('DiskFull', 'web01:9100'))).toEqual([{ id: 1, fingerprint: expect.any(String), outcome: 'opened', posted: true }]);
    expect((await newRows()).map((r) => r.text)).toEqual(CRITICAL_CHANNELS.map(() => 'CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)'));
    // A new episode: count, ack and resolution start over.
    expect(await alert(1)).toMatchObject({ status: 'firing', count: 1, resolved_at: null, acked_at: null, acked_by: null, started_at: '2026-11-25T13:10:00.000Z' });
    // The first sighting is the row's first_seen_at; the reopening is an event.
    expect((await core.services.alertStore.events(1, 10)).map((e) => e.kind)).toEqual(['firing', 'resolved', 'acked', 'first seen']);
    const shown = (await core.ask('!alert 1')).text.split('\n');
    expect(shown.slice(-4)).toEqual([
      '- 2026-11-25 13:10 UTC firing — DiskFull on web01:9100',
      '- 2026-11-25 12:10 UTC resolved',
      '- 2026-11-25 12:00 UTC acked by irc:account:bob — swapping the disk',
      '- 2026-11-25 12:00 UTC first seen — alertmanager',
    ]);
  });
});

describe('hosts matched to the inventory', () => {
  it.each([
    ['instance with a port', 'web01:9100'],
    ['FQDN', 'web01.example.net:9100'],
    ['IPv4 address', '10.2.0.11:9100'],
    ['IPv6 address in brackets', '[2001:db8::11]:9100'],
    ['IPv6 address in another spelling', '[2001:0db8:0:0::11]:9100'],
  ])('%s (%s) resolves to web01', async (_what, instance) => {
    await send(am('DiskFull', instance));
    expect(await alert(1)).toMatchObject({ host: 'web01', server_id: await serverId('web01') });
    expect((await alert(1)).labels.instance).toBe(instance);
    expect((await newRows())[0]!.text).toMatch(/^CRITICAL DiskFull on web01 /);
  });

  it('a host field of a generic alert resolves the same way', async () => {
    await core.services.alerts.ingest(fromGeneric({ title: 'Backup failed', severity: 'error', host: 'db12.example.net' }, { hostLabels: DEFAULT_HOST_LABELS }));
    expect(await alert(1)).toMatchObject({ host: 'db12', server_id: await serverId('db12') });
  });

  it('an unknown host is kept as the source named it', async () => {
    await send(am('DiskFull', 'zz99.example.org:9100'));
    expect(await alert(1)).toMatchObject({ host: 'zz99.example.org', server_id: null });
  });

  it('an FQDN of another domain is not taken for the inventory host of the same short name', async () => {
    // web01.staging.example.org is not the production web01 (web01.example.net)…
    expect(await core.services.alerts.findServer('web01.staging.example.org')).toBeNull();
    expect((await core.services.alerts.findServer('web01.example.net'))?.name).toBe('web01');
    expect((await core.services.alerts.findServer('10.2.0.11'))?.name).toBe('web01');
    // …so web01's maintenance does not hold its alerts back.
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await newRows();
    expect((await send(am('DiskFull', 'web01.staging.example.org:9100')))[0]).toMatchObject({ outcome: 'opened', posted: true });
    expect(await alert(1)).toMatchObject({ host: 'web01.staging.example.org', server_id: null, suppressed: null });
    expect((await newRows())[0]!.text).toMatch(/^CRITICAL DiskFull on web01\.staging\.example\.org /);
  });

  it('routes see the inventory name, so a rule on host matches an alert that named an IP', async () => {
    const routed = await testCore({ alerts: { routes: [{ match: { host: 'db*' }, to: ['irc:#db'] }], default: ['irc:#other'] } });
    try {
      await importServers(routed.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
      await routed.services.alerts.ingest(fromAlertmanager({ version: '4', alerts: [am('DiskFull', '10.3.0.12:9100')] }, { hostLabels: DEFAULT_HOST_LABELS }));
      expect(await routed.db.column('SELECT channel FROM outbox')).toEqual(['irc:#db']);
    } finally {
      await routed.cleanup();
    }
  });
});

describe('hosts in maintenance', () => {
  it('alerts are stored but not posted, and leaving maintenance posts what was held back', async () => {
    expect((await core.ask('!server set web01 status=maintenance disk swap', ADMIN)).ok).toBe(true);
    await newRows();

    expect((await send(am('DiskFull', 'web01:9100'), am('HighLoad', 'web01:9100', 'warning'), am('DiskFull', 'web02:9100'))).map((a) => [a.outcome, a.posted])).toEqual([
      ['suppressed', false],
      ['suppressed', false],
      ['opened', true],
    ]);
    // Only web02's alert was posted.
    expect((await newRows()).map((r) => r.text)).toEqual(CRITICAL_CHANNELS.map(() => 'CRITICAL DiskFull on web02 — DiskFull on web02:9100 (#3)'));
    expect(await alert(1)).toMatchObject({ suppressed: 'maintenance', last_notified_at: null });
    expect((await core.services.alertStore.events(1, 5)).map((e) => e.kind)).toEqual(['suppressed', 'first seen']);

    // A repeat while in maintenance is still held back.
    core.clock.advance(10 * MIN);
    expect((await send(am('DiskFull', 'web01:9100')))[0]!.outcome).toBe('suppressed');
    // One of them ends during the maintenance: nothing is posted for it.
    await send(am('HighLoad', 'web01:9100', 'warning', 'resolved'));
    expect(await newRows()).toEqual([]);

    const r = await core.ask('!server set web01 status=working done', ADMIN);
    expect(r.text).toBe('web01 maintenance → working (done)');
    const rows = await newRows();
    // Every channel the held-back alerts would have gone to hears it, once.
    expect(rows.map((x) => x.channel).sort()).toEqual([...CRITICAL_CHANNELS].sort());
    for (const x of rows) expect(x.text).toBe('web01 left maintenance: 2 alerts were suppressed while it was in maintenance — 1 still firing: DiskFull');
    // The one still firing is no longer held back, and that summary was its post.
    expect(await alert(1)).toMatchObject({ status: 'firing', suppressed: null, last_notified_at: '2026-11-25T12:10:00.000Z' });
    expect((await core.services.alertStore.events(1, 1))[0]).toMatchObject({ kind: 'unquieted', detail: null });
    // The resolved one keeps the mark of why it was never posted.
    expect(await alert(2)).toMatchObject({ status: 'resolved', suppressed: 'maintenance', last_notified_at: null });

    const { body } = await core.metrics.render();
    expect(body).toContain('opsbridge_alerts_suppressed_total{source="alertmanager"} 3');
  });

  it('leaving maintenance with nothing held back posts nothing', async () => {
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await core.ask('!server set web01 status=working', ADMIN);
    expect(await newRows()).toEqual([]);
  });

  it('after maintenance, a held-back alert counts as posted by the summary: its next notification follows the dedup window', async () => {
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await send(am('DiskFull', 'web01:9100'));
    core.clock.advance(MIN);
    await core.ask('!server set web01 status=working', ADMIN);
    expect((await newRows()).map((r) => r.text)).toContain('web01 left maintenance: 1 alert was suppressed while it was in maintenance — 1 still firing: DiskFull');
    expect(await alert(1)).toMatchObject({ suppressed: null, last_notified_at: '2026-11-25T12:01:00.000Z' });

    core.clock.advance(MIN);
    expect((await send(am('DiskFull', 'web01:9100')))[0]).toMatchObject({ outcome: 'deduplicated', posted: false });
    expect(await newRows()).toEqual([]);
    core.clock.advance(4 * MIN); // 5 min since the summary
    expect((await send(am('DiskFull', 'web01:9100')))[0]).toMatchObject({ outcome: 'repeat', posted: true });
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    expect(rows[0]!.text).toBe('CRITICAL (still firing, 3×) DiskFull on web01 — DiskFull on web01:9100 (#1)');
  });

  it('after maintenance, a still-firing held-back alert shows in !alerts again, is reminded about, and its resolution is posted', async () => {
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await send(am('DiskFull', 'web01:9100'));
    expect((await core.ask('!alerts')).text).toBe('nothing firing');
    await core.ask('!server set web01 status=working', ADMIN);
    expect((await core.ask('!alerts')).text).toMatch(/^1 firing alert:\n- #1 CRITICAL DiskFull on web01 for 0s — /);
    await newRows();

    core.clock.advance(31 * MIN);
    expect(await core.services.alerts.remindUnacknowledged()).toBe(1);
    expect((await newRows()).map((r) => r.text)).toEqual(CRITICAL_CHANNELS.map(() => 'STILL FIRING for 31m, not acknowledged: CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)'));

    expect((await send(am('DiskFull', 'web01:9100', 'critical', 'resolved')))[0]).toMatchObject({ outcome: 'resolved', posted: true });
    expect((await newRows()).map((r) => r.text)).toEqual(CRITICAL_CHANNELS.map(() => 'RESOLVED (critical) DiskFull on web01 after 31m — DiskFull on web01:9100 (#1)'));
  });

  it('a host taken out of maintenance by an import also gets the summary, and its alerts are no longer held back', async () => {
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await send(am('DiskFull', 'web01:9100'));
    await newRows();
    core.clock.advance(MIN);
    await importServers(core.services.inventory, 'name,status\nweb01,working\n', 'csv', { actor: 'test', source: 'fix.csv' });
    expect((await core.services.inventory.get('web01'))!.status).toBe('working');
    const rows = await newRows();
    expect(rows.map((r) => r.channel).sort()).toEqual([...CRITICAL_CHANNELS].sort());
    for (const r of rows) expect(r.text).toBe('web01 left maintenance: 1 alert was suppressed while it was in maintenance — 1 still firing: DiskFull');
    expect(await alert(1)).toMatchObject({ suppressed: null, last_notified_at: '2026-11-25T12:01:00.000Z' });
    expect((await core.services.alertStore.events(1, 1))[0]!.kind).toBe('unquieted');
    expect((await core.ask('!alerts')).text).toMatch(/^1 firing alert:\n- #1 CRITICAL DiskFull on web01 /);
  });

  it('an import that leaves the host in maintenance, or a dry run, changes nothing', async () => {
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await send(am('DiskFull', 'web01:9100'));
    await newRows();
    await importServers(core.services.inventory, 'name,status,notes\nweb01,maintenance,still\n', 'csv', { actor: 'test', source: 'fix.csv' });
    await importServers(core.services.inventory, 'name,status\nweb01,working\n', 'csv', { actor: 'test', source: 'fix.csv', dryRun: true });
    expect((await core.services.inventory.get('web01'))!.status).toBe('maintenance');
    expect(await newRows()).toEqual([]);
    expect((await alert(1)).suppressed).toBe('maintenance');
  });
});

describe('silences', () => {
  it('!silence keeps matching alerts from being posted; !silences lists it; !unsilence ends it', async () => {
    const r = await core.ask('!silence host=web0* alertname=DiskFull 2h disk swap', ADMIN);
    expect(r).toEqual({ ok: true, private: false, text: '🔇 silence #1: host=web0* alertname=DiskFull until 2026-11-25 14:00 UTC — disk swap' });

    const accepted = await send(
      am('DiskFull', 'web01:9100'),
      am('DiskFull', '10.2.0.12:9100'), // web02 by its address: silences see the inventory name
      am('HighLoad', 'web01:9100'), // another alert name
      am('DiskFull', 'db12:9100'), // another host
    );
    expect(accepted.map((a) => a.outcome)).toEqual(['silenced', 'silenced', 'opened', 'opened']);
    expect(new Set((await newRows()).map((x) => x.text.replace(/ — .*/, '')))).toEqual(new Set(['CRITICAL HighLoad on web01', 'CRITICAL DiskFull on db12']));
    expect(await alert(1)).toMatchObject({ suppressed: 'silence:1', last_notified_at: null });
    expect(await alert(2)).toMatchObject({ host: 'web02', suppressed: 'silence:1' });

    expect((await core.ask('!silences')).text).toBe('1 active silence:\n- #1 host=web0* alertname=DiskFull for 2h more by console — disk swap');
    core.clock.advance(30 * MIN);
    expect((await core.ask('!silences')).text).toContain('for 1h 30m more');

    expect((await core.ask('!unsilence 1', ADMIN)).text).toBe('silence #1 (host=web0* alertname=DiskFull) ended');
    expect((await core.ask('!silences')).text).toBe('no active silences');
    // What it held back and is still firing is posted now, as firing.
    const released = await newRows();
    expect(released.filter((x) => x.channel === 'irc:#ops').map((x) => x.text).sort()).toEqual([
      'CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)',
      'CRITICAL DiskFull on web02 — DiskFull on 10.2.0.12:9100 (#2)',
    ]);
    expect(released).toHaveLength(2 * CRITICAL_CHANNELS.length);
    for (const id of [1, 2]) {
      expect(await alert(id)).toMatchObject({ suppressed: null, last_notified_at: '2026-11-25T12:30:00.000Z' });
      expect((await core.services.alertStore.events(id, 1))[0]!.kind).toBe('unquieted');
    }
    expect(await core.services.silences.get(1)).toMatchObject({ removed_by: 'console', removed_at: '2026-11-25T12:30:00.000Z' });

    expect((await send(am('DiskFull', 'web10:9100')))[0]).toMatchObject({ outcome: 'opened', posted: true });
    // web01 was just posted: its next notification within the window is only counted.
    expect((await send(am('DiskFull', 'web01:9100')))[0]).toMatchObject({ outcome: 'deduplicated', posted: false });
    expect((await newRows()).filter((x) => x.channel === 'irc:#ops').map((x) => x.text.replace(/ — .*/, ''))).toEqual(['CRITICAL DiskFull on web10']);
    expect(await alert(1)).toMatchObject({ suppressed: null, count: 2 });

    const metrics = (await core.metrics.render()).body;
    expect(metrics).toContain('opsbridge_alerts_silenced_total{source="alertmanager"} 2');
  });

  it('a silence ends by itself at its end time', async () => {
    await core.ask('!silence alertname=DiskFull 30m', ADMIN);
    expect((await send(am('DiskFull', 'web01:9100')))[0]!.outcome).toBe('silenced');
    core.clock.advance(30 * MIN);
    expect((await core.ask('!silences')).text).toBe('no active silences');
    expect((await send(am('DiskFull', 'web02:9100')))[0]!.outcome).toBe('opened');
    expect((await core.ask('!unsilence 1', ADMIN)).text).toBe('silence #1 has already ended');
  });

  it('when a silence runs out, the timer posts the firing alerts it held back', async () => {
    await core.ask('!silence alertname=DiskFull 30m', ADMIN);
    await send(am('DiskFull', 'web01:9100'), am('DiskFull', 'db12:9100'));
    await send(am('DiskFull', 'db12:9100', 'critical', 'resolved')); // ended while silenced: nothing to post
    expect(await newRows()).toEqual([]);

    core.clock.advance(29 * MIN);
    expect(await core.services.alerts.releaseEndedSilences()).toBe(0);
    expect(await newRows()).toEqual([]);
    expect((await alert(1)).suppressed).toBe('silence:1');

    core.clock.advance(MIN);
    expect(await core.services.alerts.releaseEndedSilences()).toBe(1);
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    for (const r of rows) {
      expect(r.text).toBe('CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)');
      expect(r.priority).toBe(1);
    }
    expect(await alert(1)).toMatchObject({ suppressed: null, last_notified_at: '2026-11-25T12:30:00.000Z' });
    expect(await alert(2)).toMatchObject({ status: 'resolved', last_notified_at: null });
    expect((await core.ask('!alerts')).text).toMatch(/^1 firing alert:\n- #1 CRITICAL DiskFull on web01 /);
    // Once is enough.
    expect(await core.services.alerts.releaseEndedSilences()).toBe(0);
    expect(await newRows()).toEqual([]);
  });

  it('an alert held back by a silence that ran out is posted as new on its next notification, before the timer', async () => {
    await core.ask('!silence alertname=DiskFull 30m', ADMIN);
    await send(am('DiskFull', 'web01:9100'));
    core.clock.advance(10 * MIN);
    await send(am('DiskFull', 'web01:9100'));
    core.clock.advance(20 * MIN);
    // Its first post: "opened", not a repeat of something nobody saw.
    expect(await send(am('DiskFull', 'web01:9100'))).toEqual([{ id: 1, fingerprint: expect.any(String), outcome: 'opened', posted: true }]);
    expect((await newRows()).map((r) => r.text)).toEqual(CRITICAL_CHANNELS.map(() => 'CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)'));
    expect(await alert(1)).toMatchObject({ count: 3, suppressed: null, last_notified_at: '2026-11-25T12:30:00.000Z' });
    // The timer finds nothing left to release.
    expect(await core.services.alerts.releaseEndedSilences()).toBe(0);
    expect(await newRows()).toEqual([]);
  });

  it('a released alert that another silence covers stays held back until that one ends too', async () => {
    await core.ask('!silence alertname=DiskFull 30m', ADMIN); // #1
    await core.ask('!silence host=web01 2h', ADMIN); // #2
    await send(am('DiskFull', 'web01:9100'), am('DiskFull', 'web10:9100'));
    expect(await suppressedOf(1, 2)).toEqual(['silence:1', 'silence:1']);

    core.clock.advance(30 * MIN);
    expect(await core.services.alerts.releaseEndedSilences()).toBe(2);
    expect((await newRows()).map((r) => r.text.replace(/ — .*/, ''))).toEqual(CRITICAL_CHANNELS.map(() => 'CRITICAL DiskFull on web10'));
    expect(await suppressedOf(1, 2)).toEqual(['silence:2', null]);
    expect((await core.services.alertStore.events(1, 1))[0]).toMatchObject({ kind: 'silenced', detail: 'silence:2' });
    expect((await alert(1)).last_notified_at).toBeNull();

    await core.ask('!unsilence 2', ADMIN);
    expect((await newRows()).map((r) => r.text.replace(/ — .*/, ''))).toEqual(CRITICAL_CHANNELS.map(() => 'CRITICAL DiskFull on web01'));
    expect((await alert(1)).suppressed).toBeNull();
  });

  it('a released alert of a host in maintenance stays held back, for the maintenance now', async () => {
    await core.ask('!silence alertname=DiskFull 30m', ADMIN);
    await send(am('DiskFull', 'web01:9100'));
    await core.ask('!server set web01 status=maintenance', ADMIN);
    await newRows();
    core.clock.advance(30 * MIN);
    await core.services.alerts.releaseEndedSilences();
    expect(await newRows()).toEqual([]);
    expect((await alert(1)).suppressed).toBe('maintenance');
  });

  it('!= and =~ matchers', async () => {
    await core.ask('!silence alertname=DiskFull host!=web01 instance=~db[0-9]+:.* 1h', ADMIN);
    expect((await send(am('DiskFull', 'db12:9100'), am('DiskFull', 'web01:9100'), am('DiskFull', 'web02:9100'))).map((a) => a.outcome)).toEqual(['silenced', 'opened', 'opened']);
  });

  it('=~ is anchored as in Alertmanager: it must match the whole value', async () => {
    await core.ask('!silence alertname=A instance=~web0 1h', ADMIN);
    await core.ask('!silence alertname=B instance=~web0.* 1h', ADMIN);
    await core.ask('!silence alertname=C instance=~.*web0.* 1h', ADMIN);
    const outcomes = async (name: string) => (await send(am(name, 'web01:9100'), am(name, 'myweb01:9100'))).map((a) => a.outcome);
    // web0 is neither web01:9100 nor myweb01:9100.
    expect(await outcomes('A')).toEqual(['opened', 'opened']);
    expect(await outcomes('B')).toEqual(['silenced', 'opened']);
    expect(await outcomes('C')).toEqual(['silenced', 'silenced']);
  });

  it('the fixed keys of a matcher ignore case; label names do not', async () => {
    const r = await core.ask('!silence Host=web01 AlertName=DiskFull 1h', ADMIN);
    expect(r.text).toBe('🔇 silence #1: host=web01 alertname=DiskFull until 2026-11-25 13:00 UTC');
    await core.ask('!silence Instance=db12:9100 1h', ADMIN);
    expect((await send(am('DiskFull', 'web01:9100'), am('HighLoad', 'web01:9100'), am('DiskFull', 'db12:9100'))).map((a) => a.outcome)).toEqual(['silenced', 'opened', 'opened']);
  });

  it('a new silence marks the firing alerts it covers', async () => {
    await send(am('DiskFull', 'web01:9100'), am('DiskFull', 'web02:9100'), am('HighLoad', 'web01:9100'));
    await send(am('DiskFull', 'db12:9100'), am('DiskFull', 'db12:9100', 'critical', 'resolved')); // resolved: not covered
    await newRows();
    const r = await core.ask('!silence host=web* alertname=DiskFull 1h', BOB);
    expect(r.text).toBe('🔇 silence #1: host=web* alertname=DiskFull until 2026-11-25 13:00 UTC (covers 2 firing alerts)');
    expect(await suppressedOf(1, 2, 3, 4)).toEqual(['silence:1', 'silence:1', null, null]);
    expect((await core.services.alertStore.events(1, 1))[0]).toMatchObject({ kind: 'silenced', actor: 'irc:account:bob', detail: 'silence:1' });
    // Their repeats are not posted while the silence lasts.
    core.clock.advance(10 * MIN);
    expect((await send(am('DiskFull', 'web01:9100')))[0]!.outcome).toBe('silenced');
    expect(await newRows()).toEqual([]);
  });

  it('alerts a silence covered show in !alerts again after !unsilence, and are posted again', async () => {
    await send(am('DiskFull', 'web01:9100'));
    await core.ask('!silence alertname=DiskFull 1h', ADMIN);
    await newRows();
    expect((await core.ask('!alerts')).text).toBe('nothing firing');
    core.clock.advance(MIN);
    await core.ask('!unsilence 1', ADMIN);
    expect((await core.ask('!alerts')).text).toMatch(/^1 firing alert:\n- #1 CRITICAL DiskFull on web01 /);
    expect((await newRows()).map((r) => r.text)).toEqual(CRITICAL_CHANNELS.map(() => 'CRITICAL DiskFull on web01 — DiskFull on web01:9100 (#1)'));
    expect(await alert(1)).toMatchObject({ suppressed: null, last_notified_at: '2026-11-25T12:01:00.000Z' });
  });

  it('needs the operator role', async () => {
    expect(await core.ask('!silence host=web01 1h')).toEqual({
      ok: false,
      private: false,
      text: "'silence' needs the operator role; you are not identified, so you are viewer (log in to your account)",
    });
    expect((await core.ask('!unsilence 1')).ok).toBe(false);
    expect((await core.ask('!silences')).text).toBe('no active silences');
    expect(await core.services.silences.active()).toEqual([]);
  });

  it.each([
    ['!silence', /^usage: !silence KEY=GLOB… DURATION/],
    ['!silence 2h', /^usage: !silence KEY=GLOB… DURATION/],
    ['!silence host=web01', /^usage: !silence KEY=GLOB… DURATION/],
    ['!silence host=web01 soon', /^'soon' is not a duration: use e\.g\. 30m, 2h or 1d$/],
    ['!silence host=web01 15d', /^a silence lasts from 1s to 15d|^a silence lasts from 1s to 14d$/],
    ['!silence host=web01 0s', /^a silence lasts from 1s to 14d$/],
    ['!silence instance=~db[0-9 1h', /^instance: invalid regular expression \/db\[0-9\/: /],
    ['!unsilence', /^usage: !unsilence ID \(!silences lists them\)$/],
    ['!unsilence abc', /^usage: !unsilence ID/],
    ['!unsilence 42', /^no silence #42$/],
  ])('%s → a one-line error', async (command, message) => {
    const r = await core.ask(command, ADMIN);
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(message);
    expect(r.text.split('\n')).toHaveLength(1);
    expect(await core.services.silences.active()).toEqual([]);
  });
});

describe('!ack', () => {
  beforeEach(async () => {
    await send(am('DiskFull', 'web01:9100'));
    await newRows();
  });

  it('is refused to an unidentified user', async () => {
    const r = await core.ask('!ack 1 mine');
    expect(r).toEqual({ ok: false, private: false, text: "'ack' needs the operator role; you are not identified, so you are viewer (log in to your account)" });
    expect((await alert(1)).acked_at).toBeNull();
    expect(await newRows()).toEqual([]);
  });

  it('is refused to an identified viewer', async () => {
    const r = await core.ask('!ack 1', { identity: 'irc:account:carol', name: 'carol' });
    expect(r.ok).toBe(false);
    expect(r.text).toBe("'ack' needs the operator role; you are viewer");
  });

  it('records who took it and tells the other channels that saw the alert', async () => {
    const r = await core.ask('!ack 1 looking into it', { ...BOB, channel: 'irc:#ops' });
    expect(r).toEqual({ ok: true, private: false, text: '✔ #1 DiskFull on web01 acknowledged by bob — looking into it' });
    // The name people know is shown; the history keeps the verified identity.
    expect(await alert(1)).toMatchObject({ acked_by: 'bob', ack_note: 'looking into it', acked_at: '2026-11-25T12:00:00.000Z' });
    expect((await core.services.alertStore.events(1, 1))[0]).toMatchObject({ kind: 'acked', actor: 'irc:account:bob', detail: 'looking into it' });
    // The asker's channel has the reply; the others get a notice.
    const rows = await newRows();
    expect(rows.map((x) => x.channel)).toEqual(['slack:#incidents', 'irc:#alerts']);
    for (const x of rows) expect(x.text).toBe('✔ #1 DiskFull on web01 acknowledged by bob — looking into it');
  });

  it('an alert nobody saw (silenced) is acked without notices to its channels', async () => {
    await core.ask('!silence host=web02 1h', ADMIN);
    expect((await send(am('DiskFull', 'web02:9100')))[0]).toMatchObject({ id: 2, outcome: 'silenced', posted: false });
    await newRows();
    expect(await core.ask('!ack 2 known', { ...BOB, channel: 'irc:#ops' })).toEqual({ ok: true, private: false, text: '✔ #2 DiskFull on web02 acknowledged by bob — known' });
    expect(await alert(2)).toMatchObject({ acked_by: 'bob', ack_note: 'known' });
    expect(await newRows()).toEqual([]);
  });

  it('an acked alert is not posted again when its source repeats it', async () => {
    await core.ask('!ack 1', BOB);
    await newRows();
    core.clock.advance(10 * MIN);
    await send(am('DiskFull', 'web01:9100'));
    expect(await newRows()).toEqual([]);
    expect((await alert(1)).count).toBe(2);
  });

  it.each([
    ['!ack', 'usage: !ack ID [note…] (e.g. !ack 42)'],
    ['!ack abc', "'abc' is not an alert id: use the number shown as #ID — usage: !ack ID [note…] (e.g. !ack 42)"],
    ['!ack 999', 'no alert #999'],
    ['!ack -1', "'-1' is not an alert id: use the number shown as #ID — usage: !ack ID [note…] (e.g. !ack 42)"],
  ])('%s → %s', async (command, message) => {
    expect(await core.ask(command, BOB)).toEqual({ ok: false, private: false, text: message });
  });

  it('takes #ID too, and refuses a second ack and an ack of a resolved alert', async () => {
    expect((await core.ask('!ack #1', BOB)).ok).toBe(true);
    expect(await core.ask('!ack 1', ADMIN)).toMatchObject({ ok: false, text: 'alert #1 was already acknowledged by bob' });
    await send(am('HighLoad', 'db12:9100', 'warning'), am('HighLoad', 'db12:9100', 'warning', 'resolved'));
    expect(await core.ask('!ack 2', BOB)).toMatchObject({ ok: false, text: 'alert #2 (HighLoad) is already resolved' });
  });
});

describe('reminders of unacknowledged critical alerts', () => {
  it('re-posts only unacked critical firing alerts, every 30 minutes', async () => {
    await send(
      am('DiskFull', 'web01:9100'), // #1 acked below
      am('DiskFull', 'web02:9100'), // #2 reminded
      am('HighLoad', 'db12:9100', 'warning'), // #3 not critical
      am('DiskFull', 'web10:9100'), // #4 resolved below
    );
    await core.ask('!ack 1', BOB);
    await send(am('DiskFull', 'web10:9100', 'critical', 'resolved'));
    await core.ask('!silence host=db13 1d', ADMIN);
    await send(am('DiskFull', 'db13:9100')); // #5 silenced: never posted, never reminded
    await newRows();

    core.clock.advance(29 * MIN);
    expect(await core.services.alerts.remindUnacknowledged()).toBe(0);
    core.clock.advance(2 * MIN);
    expect(await core.services.alerts.remindUnacknowledged()).toBe(1);
    const rows = await newRows();
    expect(rows.map((r) => r.channel)).toEqual(CRITICAL_CHANNELS);
    for (const r of rows) {
      expect(r.text).toBe('STILL FIRING for 31m, not acknowledged: CRITICAL DiskFull on web02 — DiskFull on web02:9100 (#2)');
      expect(r.priority).toBe(1);
    }
    expect((await core.services.alertStore.events(2, 1))[0]!.kind).toBe('reminded');

    // Not again until another 30 minutes have passed.
    expect(await core.services.alerts.remindUnacknowledged()).toBe(0);
    core.clock.advance(29 * MIN);
    expect(await core.services.alerts.remindUnacknowledged()).toBe(0);
    core.clock.advance(MIN);
    expect(await core.services.alerts.remindUnacknowledged()).toBe(1);
    expect((await newRows())[0]!.text).toMatch(/^STILL FIRING for 1h 1m, not acknowledged: CRITICAL DiskFull on web02 /);

    // Acked now: no more reminders.
    await core.ask('!ack 2', BOB);
    core.clock.advance(31 * MIN);
    expect(await core.services.alerts.remindUnacknowledged()).toBe(0);
  });

  it('repeat_interval 0 turns reminders off', async () => {
    const quiet = await testCore({ alerts: { repeat_interval: '0' } });
    try {
      await quiet.services.alerts.ingest(fromAlertmanager({ version: '4', alerts: [am('DiskFull', 'web01:9100')] }, { hostLabels: DEFAULT_HOST_LABELS }));
      quiet.clock.advance(24 * 60 * MIN);
      expect(await quiet.services.alerts.remindUnacknowledged()).toBe(0);
    } finally {
      await quiet.cleanup();
    }
  });
});

describe('!alerts and !alert', () => {
  beforeEach(async () => {
    await send(am('DiskFull', 'web01:9100')); // #1
    core.clock.advance(MIN);
    await send(am('HighLoad', 'db12:9100', 'warning')); // #2
    core.clock.advance(MIN);
    await send(am('CPU', 'web01:9100', 'info')); // #3
    core.clock.advance(MIN);
    await send(am('DiskFull', 'web02:9100')); // #4
    core.clock.advance(MIN);
    await send(am('Backup', 'db13:9100', 'error'), am('Backup', 'db13:9100', 'error', 'resolved')); // #5 resolved at once
    await core.ask('!silence host=web02 1h', ADMIN); // covers #4
    core.clock.advance(10 * MIN);
  });

  it('!alerts lists what is firing and not silenced, newest first', async () => {
    expect((await core.ask('!alerts')).text).toBe(
      [
        '3 firing alerts:',
        '- #3 INFO CPU on web01 for 12m — CPU on web01:9100',
        '- #2 WARNING HighLoad on db12 for 13m — HighLoad on db12:9100',
        '- #1 CRITICAL DiskFull on web01 for 14m — DiskFull on web01:9100',
      ].join('\n'),
    );
  });

  it('!alerts HOST, a host glob, SEVERITY and NAME filter', async () => {
    expect((await core.ask('!alerts web01')).text.split('\n')).toEqual(['2 firing alerts web01:', expect.stringMatching(/^- #3 /), expect.stringMatching(/^- #1 /)]);
    expect((await core.ask('!alerts db*')).text.split('\n')).toEqual(['1 firing alert db*:', expect.stringMatching(/^- #2 WARNING HighLoad on db12/)]);
    expect((await core.ask('!alerts critical')).text.split('\n')).toEqual(['1 firing alert critical:', expect.stringMatching(/^- #1 CRITICAL DiskFull on web01/)]);
    expect((await core.ask('!alerts CRIT')).text.split('\n')[0]).toBe('1 firing alert CRIT:');
    expect((await core.ask('!alerts DiskFull')).text.split('\n')).toEqual(['1 firing alert DiskFull:', expect.stringMatching(/^- #1 CRITICAL DiskFull on web01/)]);
    expect((await core.ask('!alerts nosuch')).text).toBe('nothing firing for nosuch');
  });

  it('!alerts --all includes silenced and resolved alerts of the last 24 h', async () => {
    const lines = (await core.ask('!alerts --all')).text.split('\n');
    expect(lines[0]).toBe('5 alerts (all, last 24 h):');
    expect(lines).toContain('- #4 CRITICAL DiskFull on web02 for 11m silenced (silence #1) — DiskFull on web02:9100');
    // Newest first by last notification; a resolution counts as a notification.
    expect(lines[1]).toBe('- #5 resolved Backup on db13 lasted 0s 2× — Backup on db13:9100');
    expect((await core.ask('!alerts web02 --all')).text.split('\n')).toHaveLength(2);
    // A day later the resolved one is gone; what still fires stays, whatever its age.
    core.clock.advance(25 * 60 * MIN);
    expect((await core.ask('!alerts --all')).text.split('\n')).toEqual([
      '4 alerts (all, last 24 h):',
      '- #4 CRITICAL DiskFull on web02 for 1d 1h silenced (silence #1) — DiskFull on web02:9100',
      '- #3 INFO CPU on web01 for 1d 1h — CPU on web01:9100',
      '- #2 WARNING HighLoad on db12 for 1d 1h — HighLoad on db12:9100',
      '- #1 CRITICAL DiskFull on web01 for 1d 1h — DiskFull on web01:9100',
    ]);
    expect((await core.ask('!alerts db13 --all')).text).toBe('no alerts for db13 in the last 24 h');
  });

  it('!alerts --all is a superset of !alerts: it still lists an alert firing for more than a day', async () => {
    core.clock.advance(25 * 60 * MIN);
    const firing = (await core.ask('!alerts')).text.split('\n');
    expect(firing[0]).toBe('3 firing alerts:');
    const all = (await core.ask('!alerts --all')).text.split('\n');
    for (const l of firing.slice(1)) expect(all).toContain(l);
    expect((await core.ask('!alerts critical --all')).text.split('\n')[0]).toBe('2 alerts critical (all, last 24 h):');
  });

  it('cuts the list at 5 lines with "…and N more"', async () => {
    // Six more, one of them (web02) silenced: 8 firing in all.
    await send(...['web10', 'db12', 'db13', 'web02', 'zz1', 'zz2'].map((h) => am('Ping', `${h}:9100`, 'warning')));
    const lines = (await core.ask('!alerts')).text.split('\n');
    expect(lines[0]).toBe('8 firing alerts:');
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toBe('…and 3 more');
  });

  it('!alerts with two words is a usage error', async () => {
    expect(await core.ask('!alerts web01 critical')).toEqual({ ok: false, private: false, text: 'usage: !alerts [HOST|SEVERITY|NAME] [--all] (e.g. !alerts web01)' });
  });

  it('!alert ID shows the details and the history', async () => {
    await core.ask('!ack 1 on it', BOB);
    const lines = (await core.ask('!alert 1')).text.split('\n');
    expect(lines).toEqual([
      '#1 CRITICAL DiskFull on web01 for 14m acked by bob — DiskFull on web01:9100',
      'started 2026-11-25 12:00 UTC source alertmanager',
      'alertname=DiskFull instance=web01:9100 severity=critical',
      '- 2026-11-25 12:14 UTC acked by irc:account:bob — on it',
      '- 2026-11-25 12:00 UTC first seen — alertmanager',
    ]);
    expect((await core.ask('!alert #5')).text.split('\n')[1]).toBe('started 2026-11-25 12:04 UTC resolved 2026-11-25 12:04 UTC source alertmanager');
  });

  it.each([
    ['!alert', 'usage: !alert ID (e.g. !alert 42)'],
    ['!alert abc', "'abc' is not an alert id: use the number shown as #ID — usage: !alert ID (e.g. !alert 42)"],
    ['!alert 999', 'no alert #999'],
    ['!alert 1.5', "'1.5' is not an alert id: use the number shown as #ID — usage: !alert ID (e.g. !alert 42)"],
    ['!alert 9999999999999', "'9999999999999' is not an alert id: use the number shown as #ID — usage: !alert ID (e.g. !alert 42)"],
  ])('%s → %s', async (command, message) => {
    expect(await core.ask(command)).toEqual({ ok: false, private: false, text: message });
  });

  it('!server HOST lists the host\'s firing alerts under it', async () => {
    const lines = (await core.ask('!server web01')).text.split('\n');
    expect(lines[0]).toMatch(/^web01 · working · /);
    expect(lines.slice(1)).toEqual(['- #3 INFO CPU on web01 for 12m — CPU on web01:9100', '- #1 CRITICAL DiskFull on web01 for 14m — DiskFull on web01:9100']);
    expect((await core.ask('!server db13')).text.split('\n')).toHaveLength(1);
  });

  it('!server HOST points to !alerts when it has more than 3 firing alerts', async () => {
    await send(am('A', 'web01:9100', 'warning'), am('B', 'web01:9100', 'warning'));
    const lines = (await core.ask('!server web01')).text.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toBe('…more: !alerts web01');
  });
});

describe('storm digests through the outbox', () => {
  const condenseRows = (rows: CondensableRow[]) => planDigests(rows, digestFormat);

  it('condensing a channel leaves every alert row accounted for', async () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `web${String(i + 1).padStart(2, '0')}`);
    await send(...hosts.map((h) => am('DiskFull', `${h}:9100`, 'warning')));
    await send(...Array.from({ length: 7 }, (_, i) => am('HighLoad', `db${i + 1}:9100`, 'warning')));
    // A reply in the same channel is not an alert: it is never condensed.
    const reply = await core.outbox.enqueue({ channel: 'irc:#alerts', body: { blocks: [{ kind: 'line', children: ['hello'] }] } });
    await send(am('DiskFull', 'web01:9100', 'warning', 'resolved'));
    const alertRows = await outboxRows("channel = 'irc:#alerts' AND kind = 'alert'");
    expect(alertRows).toHaveLength(38);

    expect(await core.outbox.condense('irc:#alerts', condenseRows)).toBe(38);

    const digests = await outboxRows("channel = 'irc:#alerts' AND kind IS NULL AND id <> ?", reply);
    expect(digests.map((d) => d.text)).toEqual(['⚠ 37 firing: 30× DiskFull (web01…web30), 7× HighLoad (db1…db7)', '✔ 1 resolved: 1× DiskFull (web01)']);
    const digestIds = new Set(digests.map((d) => d.id));
    for (const r of await outboxRows("channel = 'irc:#alerts' AND kind = 'alert'")) expect(digestIds.has(r.condensed_into!)).toBe(true);
    expect(digests.every((d) => d.condensed_into === null)).toBe(true);
    // What is left to send: the reply and the two digests.
    expect((await core.outbox.pending('irc:#alerts', 100)).map((e) => e.id)).toEqual([reply, ...digests.map((d) => d.id)]);
    expect(await core.outbox.condensableCount('irc:#alerts')).toBe(0);
    // Nothing to condense the second time.
    expect(await core.outbox.condense('irc:#alerts', condenseRows)).toBe(0);
  });

  it('a digest counts alerts, not posts: repeats of one alert are one', async () => {
    await send(...['web01', 'web02', 'web10'].map((h) => am('DiskFull', `${h}:9100`, 'warning')));
    core.clock.advance(5 * MIN);
    expect((await send(...['web01', 'web02', 'web10'].map((h) => am('DiskFull', `${h}:9100`, 'warning')))).map((a) => a.outcome)).toEqual(['repeat', 'repeat', 'repeat']);
    expect(await outboxRows("channel = 'irc:#alerts' AND kind = 'alert'")).toHaveLength(6);
    expect(await core.outbox.condense('irc:#alerts', condenseRows)).toBe(6);
    expect((await core.outbox.pending('irc:#alerts', 100)).map((e) => renderPlain(e.body))).toEqual(['⚠ 3 firing: 3× DiskFull (web01…web10)']);
  });

  it('a log burst keeps each host\'s first lines and sums up the rest', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => ({ source: 'api', host: 'app03', level: 'error', message: `timeout ${i}` }));
    await core.services.logs.ingest(lines.slice(0, 3));
    core.clock.advance(20_000);
    await core.services.logs.ingest(lines.slice(3));
    await core.services.logs.ingest([{ source: 'api', host: 'app04', level: 'warning', message: 'slow' }]);
    expect(await core.outbox.condense('console', condenseRows)).toBe(4);
    expect((await core.outbox.pending('console', 100)).map((e) => renderPlain(e.body))).toEqual([
      'app03 ERROR timeout 0',
      'app03 ERROR timeout 1',
      'app04 WARNING slow',
      '…and 4 similar lines from app03 in the last 20 s (4 error)',
    ]);
    expect(await core.db.value('SELECT COUNT(*) FROM log_lines')).toBe(7);
  });
});
