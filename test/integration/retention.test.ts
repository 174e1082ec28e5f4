import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ZERO_SHA, type Push } from '../../src/domain/git/push.js';
import { Pruner, RESOLVED_BEFORE, type PrunedKind } from '../../src/domain/retention/prune.js';
import { fromGeneric } from '../../src/ingest/alerts/sources.js';
import { DEFAULT_HOST_LABELS } from '../../src/domain/alerts/host.js';
import { SAMPLE_CSV, TEST_ENGINE, testCore, type TestCore } from '../helpers/core.js';
import { importServers } from '../../src/domain/servers/import.js';

/**
 * Retention on both engines: everything old enough goes, in batches, and
 * nothing that is still needed does: firing or acknowledged alerts, alerts
 * whose news still waits in the outbox, undelivered outbox rows and rows
 * condensed into an undelivered digest, open tickets and their commit links.
 */

const DAY = 86_400_000;
const o = { hostLabels: DEFAULT_HOST_LABELS };
let core: TestCore;

beforeEach(async () => {
  core = await testCore({ git: { repos: [{ name: 'app', channel: 'console' }] } });
  core.clock.set('2026-01-01T00:00:00Z');
});
afterEach(() => core.cleanup());

const count = async (table: string, where = '1 = 1') => Number(await core.db.value(`SELECT COUNT(*) FROM ${table} WHERE ${where}`));
const retention = (r: Record<string, unknown> = {}) => parseConfig({ retention: r }, {}).retention;
const alertId = async (name: string) => Number(await core.db.value('SELECT id FROM alerts WHERE name = ?', [name]));
const fire = (title: string, status: 'firing' | 'resolved' = 'firing') => core.services.alerts.ingest(fromGeneric({ title, severity: 'error', host: 'db12', status }, o));
async function deliverAll(): Promise<void> {
  for (const id of await core.db.column<number>('SELECT id FROM outbox WHERE delivered_at IS NULL AND condensed_into IS NULL')) await core.outbox.markDelivered(Number(id));
}
function pruner(r: Record<string, unknown> = {}, onDeleted?: (kind: PrunedKind, n: number) => void): Pruner {
  return new Pruner({ db: core.db, clock: core.clock, retention: retention(r), ...(onDeleted && { onDeleted }) });
}
const sha = (n: number) => n.toString(16).padStart(40, 'a');
const push = (p: Partial<Push>): Push => ({ repo: 'app', ref: 'refs/heads/main', before: ZERO_SHA, after: sha(1), pusher: 'carol', forced: false, commits: [], ...p });

describe(`retention (${TEST_ENGINE})`, () => {
  it('the defaults are the documented ages, and tickets and status history are kept', () => {
    expect(retention()).toEqual({ log_lines: 14 * DAY, resolved_alerts: 180 * DAY, delivered_outbox: 7 * DAY, git_pushes: 365 * DAY, status_history: null, closed_tickets: null });
  });

  it('log lines older than their age go in batches, newer ones stay', async () => {
    await core.services.logs.ingest(Array.from({ length: 1200 }, (_, i) => ({ source: 'api', host: 'web01', level: 'info', message: `old line ${i}` })));
    core.clock.advance(20 * DAY);
    await core.services.logs.ingest([{ source: 'api', host: 'web01', level: 'info', message: 'fresh line' }]);
    const batches: number[] = [];
    const r = await pruner({}, (kind, n) => kind === 'log_lines' && batches.push(n)).run();
    expect(r.deleted.log_lines).toBe(1200);
    expect(batches.length).toBeGreaterThan(1);
    expect(await core.db.column('SELECT message FROM log_lines')).toEqual(['fresh line']);
    // A second run finds nothing.
    expect((await pruner().run()).deleted).toEqual({});
  });

  it('max_log_rows keeps the newest lines whatever their age', async () => {
    await core.services.logs.ingest(Array.from({ length: 3000 }, (_, i) => ({ source: 'api', host: 'web01', level: 'info', message: `line ${i}` })));
    const r = await pruner({ max_log_rows: 1000 }).run();
    expect(r.deleted.log_lines).toBe(2000);
    expect(await count('log_lines')).toBe(1000);
    expect(await core.db.value('SELECT MIN(message) FROM log_lines WHERE message = ?', ['line 2000'])).toBe('line 2000');
    expect(await count('log_lines', "message = 'line 1999'")).toBe(0);
  });

  it('resolved alerts go with their events; firing, acknowledged and still-announced ones stay', async () => {
    await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
    await fire('Firing for a year');
    await fire('Acked and firing');
    const acked = await alertId('Acked and firing');
    await core.services.alerts.ack(acked, { name: 'alice', actor: 'irc:account:alice' }, null, undefined);
    await fire('Resolved long ago');
    await fire('Resolved long ago', 'resolved');
    await fire('Resolved, news undelivered');
    await deliverAll();
    await fire('Resolved, news undelivered', 'resolved'); // its outbox row stays pending
    core.clock.advance(200 * DAY);
    await fire('Resolved recently');
    await fire('Resolved recently', 'resolved');
    const gone = await alertId('Resolved long ago');
    expect(await count('alert_events', `alert_id = ${gone}`)).toBeGreaterThan(0);

    const r = await pruner({ delivered_outbox: 'keep' }).run();
    expect(r.deleted.alerts).toBe(1);
    expect(r.deleted.alert_events).toBeGreaterThan(0);
    expect(await core.db.column('SELECT name FROM alerts ORDER BY id')).toEqual(['Firing for a year', 'Acked and firing', 'Resolved, news undelivered', 'Resolved recently']);
    expect(await count('alert_events', `alert_id = ${gone}`)).toBe(0);
    expect(await count('alert_events', `alert_id = ${acked}`)).toBeGreaterThan(0);
    // !alert still shows what is kept.
    expect((await core.ask(`!alert ${acked}`)).text).toContain('Acked and firing');
  });

  it('delivered outbox rows go; undelivered ones and rows condensed into an undelivered digest stay', async () => {
    const enqueue = (text: string, digest = false) =>
      core.outbox.enqueue({ channel: 'console', body: [{ type: 'text', text }] as never, ...(digest && { digest: { kind: 'log', host: 'web01', level: 'info' } }) });
    const delivered = await enqueue('delivered');
    await core.outbox.markDelivered(delivered);
    const undeliverable = await enqueue('no such channel');
    await core.outbox.markUndeliverable(undeliverable, 'no such channel');
    await enqueue('still pending');
    // Two backlogs condensed into digests: one delivered, one not.
    const done = [await enqueue('a', true), await enqueue('b', true)];
    await core.outbox.condense('console', (rows) => [{ body: [{ type: 'text', text: 'digest 1' }] as never, priority: 0, replaces: rows.map((r) => r.id) }]);
    const digest1 = Number(await core.db.value('SELECT condensed_into FROM outbox WHERE id = ?', [done[0]]));
    await core.outbox.markDelivered(digest1);
    const waiting = [await enqueue('c', true), await enqueue('d', true)];
    await core.outbox.condense('console', (rows) => [{ body: [{ type: 'text', text: 'digest 2' }] as never, priority: 0, replaces: rows.map((r) => r.id) }]);
    const digest2 = Number(await core.db.value('SELECT condensed_into FROM outbox WHERE id = ?', [waiting[0]]));
    core.clock.advance(8 * DAY);
    const fresh = await enqueue('fresh and delivered');
    await core.outbox.markDelivered(fresh);

    const r = await pruner().run();
    expect(r.deleted.outbox).toBe(5);
    const left = (await core.db.column<number>('SELECT id FROM outbox ORDER BY id')).map(Number);
    expect(left).toEqual([undeliverable + 1, ...waiting, digest2, fresh].sort((a, b) => a - b));
    expect(await core.outbox.pendingCount()).toBe(2); // 'still pending' and digest 2
  });

  it('git pushes go by age; an open ticket keeps its commit links, and closed tickets go only when configured', async () => {
    const open = await core.services.tickets.create({ title: 'login crash', reporter: 'alice' });
    const closed = await core.services.tickets.create({ title: 'old outage', reporter: 'alice' });
    await core.services.git.ingest([push({ commits: [{ sha: sha(1), author: 'carol', message: 'refs #1 and #2' }] })]);
    await core.services.tickets.setStatus(closed.id, 'closed', 'alice');
    expect(await count('ticket_commits')).toBe(2);
    core.clock.advance(400 * DAY);
    await core.services.git.ingest([push({ before: sha(1), after: sha(2) })]);

    const kept = await pruner().run();
    expect(kept.deleted).toMatchObject({ git_pushes: 1 });
    expect(kept.deleted.tickets).toBeUndefined();
    expect(await count('git_pushes')).toBe(1);
    expect(await count('ticket_commits')).toBe(2);

    const r = await pruner({ closed_tickets: '30d' }).run();
    expect(r.deleted).toMatchObject({ tickets: 1 });
    expect(r.deleted.ticket_events).toBeGreaterThan(0);
    expect((await core.db.column<number>('SELECT id FROM tickets')).map(Number)).toEqual([open.id]);
    expect((await core.services.tickets.commits(open.id)).map((c) => c.sha)).toEqual([sha(1)]);
    expect(await count('ticket_events', `ticket_id = ${closed.id}`)).toBe(0);
    expect(await count('ticket_commits', `ticket_id = ${closed.id}`)).toBe(0);
    // Search no longer finds it; the open one still is.
    expect((await core.ask('!tickets search outage --all')).text).not.toContain('old outage');
    expect((await core.ask('!tickets search login')).text).toContain('login crash');
  });

  it('status history is kept unless configured, then goes by age', async () => {
    await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
    const web01 = (await core.services.inventory.get('web01'))!;
    await core.services.inventory.setStatus(web01.id, 'maintenance', 'alice', 'disk');
    core.clock.advance(40 * DAY);
    await core.services.inventory.setStatus(web01.id, 'working', 'alice', 'fixed');
    const before = await count('server_status_history');
    expect((await pruner().run()).deleted.server_status_history).toBeUndefined();
    const r = await pruner({ status_history: '30d' }).run();
    expect(r.deleted.server_status_history).toBe(before - 1);
    expect(await core.db.column('SELECT to_status FROM server_status_history')).toEqual(['working']);
  });

  it('stop() ends a run between batches and the next run finishes the job', async () => {
    await core.services.logs.ingest(Array.from({ length: 3000 }, (_, i) => ({ source: 'api', host: 'web01', level: 'info', message: `line ${i}` })));
    core.clock.advance(30 * DAY);
    const p = new Pruner({ db: core.db, clock: core.clock, retention: retention(), onDeleted: () => p.stop() });
    const first = await p.run();
    expect(first.stopped).toBe(true);
    expect(await count('log_lines')).toBeGreaterThan(0);
    const second = await pruner().run();
    expect(second.stopped).toBe(false);
    expect(await count('log_lines')).toBe(0);
  });

  it.runIf(TEST_ENGINE === 'sqlite')('gives freed pages back to the file system (incremental vacuum)', async () => {
    expect(Number(await core.db.value('PRAGMA auto_vacuum'))).toBe(2);
    await core.services.logs.ingest(Array.from({ length: 5000 }, (_, i) => ({ source: 'api', host: 'web01', level: 'info', message: `${'x'.repeat(200)} ${i}` })));
    const pagesBefore = Number(await core.db.value('PRAGMA page_count'));
    core.clock.advance(30 * DAY);
    const r = await pruner().run();
    expect(r.freedPages).toBeGreaterThan(100);
    expect(Number(await core.db.value('PRAGMA freelist_count'))).toBe(0);
    expect(Number(await core.db.value('PRAGMA page_count'))).toBeLessThan(pagesBefore - 100);
  });
});

describe.runIf(TEST_ENGINE === 'sqlite')('retention on SQLite', () => {
  it('finds resolved alerts through alerts_resolved, not by sorting every resolved alert', async () => {
    const plan = await core.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${RESOLVED_BEFORE.sqlite}`, ['2026-01-01', 10]);
    expect(plan.map((r) => r.detail).join('; ')).toMatch(/^SEARCH alerts USING COVERING INDEX alerts_resolved \(resolved_at<\?\)$/);
  });

  it('checkpoints every 1,000 WAL pages while it deletes, and puts the bot\'s setting back after', async () => {
    await fire('Old');
    await fire('Old', 'resolved');
    await deliverAll();
    core.clock.set('2026-12-01T00:00:00Z');
    const setting = () => core.db.value<number>('PRAGMA wal_autocheckpoint');
    expect(await setting()).toBe(10_000);
    const during: number[] = [];
    const p = new Pruner({ db: core.db, clock: core.clock, retention: retention({}), onDeleted: () => void setting().then((n) => during.push(Number(n))) });
    expect((await p.run()).deleted.alerts).toBe(1);
    expect(during).toContain(1000);
    expect(await setting()).toBe(10_000);
  });

  it('reports the longest batch of a run', async () => {
    await fire('Old');
    await fire('Old', 'resolved');
    await deliverAll();
    core.clock.set('2026-12-01T00:00:00Z');
    const r = await pruner().run();
    expect(r.deleted.alerts).toBe(1);
    expect(r.longestBatchMs).toBeGreaterThan(0);
    expect(r.longestBatchMs).toBeLessThanOrEqual(r.ms);
  });
});

describe('retention config', () => {
  it.each([
    ['log_lines', '2 weeks'],
    ['resolved_alerts', '-5d'],
    ['git_pushes', ''],
  ])('a %s that is not an age is refused, naming the key', (key, value) => {
    expect(() => parseConfig({ retention: { [key]: value } }, {})).toThrow(new RegExp(`retention\\.${key}.*expected an age such as 14d`));
  });

  it('max_log_rows must be a whole number of at least 1000, and unknown keys are refused', () => {
    expect(() => parseConfig({ retention: { max_log_rows: 10 } }, {})).toThrow(/retention\.max_log_rows/);
    expect(() => parseConfig({ retention: { logs: '14d' } }, {})).toThrow(/retention.*logs/);
  });

  it('keep turns a kind off', () => {
    expect(parseConfig({ retention: { log_lines: 'keep', closed_tickets: '104w' } }, {}).retention).toMatchObject({ log_lines: null, closed_tickets: 104 * 7 * DAY });
  });
});
