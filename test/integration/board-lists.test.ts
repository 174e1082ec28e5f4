import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOST_LABELS } from '../../src/domain/alerts/host.js';
import type { AlertInput } from '../../src/domain/alerts/model.js';
import { FleetView } from '../../src/domain/board/fleet-view.js';
import { fromGeneric } from '../../src/ingest/alerts/sources.js';
import type { Push } from '../../src/domain/git/push.js';
import type { Person } from '../../src/domain/people.js';
import { importServers } from '../../src/domain/servers/import.js';
import { alertPage, alertsPage } from '../../src/http/board/pages/alerts.js';
import { maintenancePage, maintenanceWindowPage } from '../../src/http/board/pages/maintenance.js';
import type { BoardContext, PageHandler } from '../../src/http/board/pages/page.js';
import { ticketPage, ticketsPage } from '../../src/http/board/pages/tickets.js';
import { SAMPLE_CSV, testCore, type TestCore } from '../helpers/core.js';

/**
 * The board's list and detail pages for alerts, maintenance and tickets,
 * called directly on a real core (SQLite, services) with a fixed clock:
 * rows, order, filters, pages, details, unknown ids, and that everything a
 * user or a source wrote is shown escaped.
 */

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const SCRIPT_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const IMG_ESCAPED = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';
const MIN = 60_000;
const HOUR = 60 * MIN;

const alice: Person = { name: 'alice', irc: 'alice' };
const bob: Person = { name: 'bob', irc: 'bob' };

let core: TestCore;
beforeEach(async () => {
  core = await testCore({
    people: [{ name: 'alice', irc: 'alice' }, { name: 'bob', irc: 'bob' }],
    git: { repos: [{ name: 'app' }] },
  });
  const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
});
afterEach(() => core.cleanup());

function ctx(query = '', params: Record<string, string> = {}): BoardContext {
  return { services: core.services, fleet: new FleetView(core.db), clock: core.clock, timezone: 'UTC', query: new URLSearchParams(query), params };
}

/** The page's HTML; fails when the handler said "no such thing". */
async function body(handler: PageHandler, query = '', params: Record<string, string> = {}): Promise<string> {
  const r = await handler(ctx(query, params));
  if (!r) throw new Error('the page answered null');
  return r.body.value;
}

/** Ids of the rows carrying `data-NAME="ID"`, in page order. */
function rowIds(page: string, name: string): number[] {
  return [...page.matchAll(new RegExp(`data-${name}="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
}

async function generic(items: unknown): Promise<number[]> {
  return (await core.services.alerts.ingest(fromGeneric(items, { hostLabels: DEFAULT_HOST_LABELS }))).map((a) => a.id);
}

/** What user input must never become: markup of its own. */
function expectNoInjectedMarkup(page: string): void {
  expect(page).not.toContain('<script');
  expect(page).not.toContain('<img');
  expect(page).not.toMatch(/href="\s*javascript:/i);
}

describe('alerts list', () => {
  it('shows firing alerts by default with severity, host link, summary, since, count, ack and quiet marks', async () => {
    const [disk] = await generic({ title: 'DiskFull', severity: 'critical', host: 'web01', text: 'the /var partition is 97% full' });
    await generic({ title: 'Backup failed', severity: 'error', host: 'elsewhere01' });
    const [resolved] = await generic({ title: 'Cert expires', severity: 'warning', host: 'db12' });
    core.clock.advance(5 * MIN);
    await generic({ title: 'DiskFull', severity: 'critical', host: 'web01', text: 'the /var partition is 97% full' });
    await generic({ title: 'Cert expires', severity: 'warning', host: 'db12', status: 'resolved' });
    await core.services.alerts.ack(disk!, { name: 'bob', actor: 'irc:account:bob' }, 'on it', undefined);
    await core.services.alerts.silence([{ key: 'host', op: '=', pattern: 'db13' }], 2 * HOUR, 'bob', 'reboot planned');
    const [silenced] = await generic({ title: 'Ping lost', severity: 'critical', host: 'db13' });

    const page = await body(alertsPage);
    expect(rowIds(page, 'alert')).toEqual([silenced, disk, 2]);
    expect(page).not.toContain(`data-alert="${resolved}"`);
    expect(page).toContain('<b>3</b> firing alerts');
    const row = page.slice(page.indexOf(`data-alert="${disk}"`), page.indexOf('</tr>', page.indexOf(`data-alert="${disk}"`)));
    expect(row).toContain('<span class="pill sev-critical">critical</span>');
    expect(row).toContain('<a href="/servers/web01">web01</a>');
    expect(row).toContain('the /var partition is 97% full');
    expect(row).toContain('2026-11-25 12:00 UTC');
    expect(row).toContain('for 5m');
    expect(row).toContain('<td>2</td>');
    expect(row).toContain('acked by bob');
    // A host the inventory does not have is text, not a link.
    expect(page).toContain('<td>elsewhere01</td>');
    expect(page).not.toContain('/servers/elsewhere01');
    expect(page).toContain('silenced (silence #1)');
    // The active silence is listed under the alerts.
    expect(page).toMatch(/<h2>Silences <span class="muted">\(1 active\)<\/span><\/h2>/);
    expect(page).toContain('<code>host=db13</code>');
    expect(page).toContain('reboot planned');
  });

  it('an alert held back for maintenance is marked suppressed', async () => {
    await core.services.maintenance.plan({ title: 'kernel', targets: 'web02', startsAt: core.clock.now(), durationMs: HOUR, owner: 'bob', channels: ['irc:#ops'] }, 'bob');
    const [id] = await generic({ title: 'Load high', severity: 'warning', host: 'web02' });
    expect(await body(alertsPage)).toContain('suppressed (maintenance)');
    expect(await body(alertPage, '', { id: String(id) })).toContain('suppressed (maintenance)');
  });

  it('filters by status, severity and host, with links to switch that keep the other filters', async () => {
    const [a] = await generic({ title: 'A', severity: 'critical', host: 'web01' });
    const [b] = await generic({ title: 'B', severity: 'warning', host: 'web02' });
    const [c] = await generic({ title: 'C', severity: 'critical', host: 'db12' });
    core.clock.advance(MIN);
    await generic({ title: 'C', severity: 'critical', host: 'db12', status: 'resolved' });

    expect(rowIds(await body(alertsPage, 'status=resolved'), 'alert')).toEqual([c]);
    // All: firing first, then resolved (c was seen last but is resolved).
    expect(rowIds(await body(alertsPage, 'status=all'), 'alert')).toEqual([b, a, c]);
    expect(rowIds(await body(alertsPage, 'severity=critical'), 'alert')).toEqual([a]);
    expect(rowIds(await body(alertsPage, 'status=all&severity=critical'), 'alert')).toEqual([a, c]);
    expect(rowIds(await body(alertsPage, 'host=web0*'), 'alert')).toEqual([b, a]);
    expect(rowIds(await body(alertsPage, 'host=web02&severity=warning'), 'alert')).toEqual([b]);
    // As `!alerts C --all` links: by name.
    const named = await body(alertsPage, 'status=all&name=C');
    expect(rowIds(named, 'alert')).toEqual([c]);
    expect(named).toContain('href="/alerts?status=all">(any name)</a>');

    const page = await body(alertsPage, 'severity=critical&host=web0*');
    // Switching the status keeps severity and host; the current choice is not a link.
    expect(page).toContain('href="/alerts?status=resolved&amp;severity=critical&amp;host=web0*"');
    expect(page).toContain('href="/alerts?status=all&amp;severity=critical&amp;host=web0*"');
    expect(page).toContain('<b aria-current="true">firing</b>');
    expect(page).toContain('href="/alerts?host=web0*"'); // severity: any
    expect(page).toContain('name="host" value="web0*"');

    // A bad filter says so and shows the default list.
    const bad = await body(alertsPage, 'status=burning&severity=loud');
    expect(bad).toContain('unknown status');
    expect(bad).toContain('unknown severity');
    expect(rowIds(bad, 'alert')).toEqual([b, a]);
  });

  it('pages by 50 with prev/next links keeping the filters', async () => {
    const ids = await generic(Array.from({ length: 60 }, (_, i) => ({ title: `Alert ${i + 1}`, severity: 'warning', host: 'web01' })));
    core.clock.advance(MIN);
    await generic({ title: 'Other', severity: 'info', host: 'db12' });
    const newestFirst = [...ids].reverse(); // all seen at the same time: newest id first

    const p1 = await body(alertsPage, 'severity=warning');
    expect(rowIds(p1, 'alert')).toEqual(newestFirst.slice(0, 50));
    expect(p1).toContain('page 1 of 2 (60)');
    expect(p1).toContain('href="/alerts?severity=warning&amp;page=2" rel="next"');
    expect(p1).toContain('<span class="muted">‹ prev</span>');

    const p2 = await body(alertsPage, 'severity=warning&page=2');
    expect(rowIds(p2, 'alert')).toEqual(newestFirst.slice(50));
    expect(p2).toContain('page 2 of 2 (60)');
    expect(p2).toContain('href="/alerts?severity=warning" rel="prev"');

    // status=all pages across firing and resolved.
    await generic(Array.from({ length: 5 }, (_, i) => ({ title: `Alert ${i + 1}`, severity: 'warning', host: 'web01', status: 'resolved' })));
    const all2 = await body(alertsPage, 'status=all&page=2');
    expect(rowIds(all2, 'alert')).toHaveLength(11);
    expect(all2).toContain('page 2 of 2 (61)');
    // A page past the end is empty, not an error; a bad page number is page 1.
    expect(rowIds(await body(alertsPage, 'page=9'), 'alert')).toEqual([]);
    expect(rowIds(await body(alertsPage, 'page=-3'), 'alert')).toHaveLength(50);
  });

  it('with nothing firing says so', async () => {
    const page = await body(alertsPage);
    expect(page).toContain('Nothing firing');
    expect(page).toContain('No active silences.');
    expect(page).not.toContain('class="pager"');
  });
});

describe('alert page', () => {
  it('shows every field, the labels, the source link and the history with times', async () => {
    const [id] = await generic({ title: 'DiskFull', severity: 'critical', host: 'web01', text: 'line one\nline two', labels: { team: 'storage', mount: '/var' }, url: 'https://grafana.example.com/d/1' });
    core.clock.advance(10 * MIN);
    await core.services.alerts.ack(id!, { name: 'bob', actor: 'irc:account:bob' }, 'looking', undefined);
    core.clock.advance(10 * MIN);
    await generic({ title: 'DiskFull', severity: 'critical', host: 'web01', status: 'resolved', labels: { team: 'storage', mount: '/var' } });

    const r = (await alertPage(ctx('', { id: String(id) })))!;
    expect(r.title).toBe(`Alert #${id} DiskFull`);
    expect(r.section).toBe('alerts');
    const page = r.body.value;
    expect(page).toContain('<span class="pill status-working">resolved</span>');
    expect(page).toContain('after 20m');
    expect(page).toContain('<a href="/servers/web01">web01</a>');
    expect(page).toContain('<dd class="pre">line one\nline two</dd>');
    expect(page).toContain('<a href="https://grafana.example.com/d/1" rel="noopener noreferrer nofollow" target="_blank">https://grafana.example.com/d/1</a>');
    expect(page).toContain('<td><code>team</code></td><td class="pre">storage</td>');
    expect(page).toContain('<td><code>mount</code></td><td class="pre">/var</td>');
    expect(page).toContain('by bob, <time datetime="2026-11-25T12:10:00.000Z">2026-11-25 12:10 UTC</time> — looking');
    // History, oldest first, with times.
    const kinds = [...page.slice(page.indexOf('<h2>History</h2>')).matchAll(/<td><b>([^<]+)<\/b><\/td>/g)].map((m) => m[1]);
    expect(kinds).toEqual(['first seen', 'acked', 'resolved']);
    expect(page).toContain('<time datetime="2026-11-25T12:20:00.000Z">2026-11-25 12:20 UTC</time>');
  });

  it('is null for an unknown or malformed id, and accepts #ID', async () => {
    const [id] = await generic({ title: 'X', severity: 'info' });
    for (const bad of ['abc', '0', '-1', '999', '1.5', '1e3', '', ' ']) expect(await alertPage(ctx('', { id: bad }))).toBeNull();
    expect(await alertPage(ctx('', {}))).toBeNull();
    expect(await alertPage(ctx('', { id: `#${id}` }))).not.toBeNull();
  });
});

describe('maintenance', () => {
  async function plan(title: string, targets: string, startsInMs: number, durationMs = 2 * HOUR) {
    return core.services.maintenance.plan(
      { title, targets, startsAt: new Date(core.clock.now().getTime() + startsInMs), durationMs, owner: 'bob', channels: ['irc:#ops'] },
      'irc:account:bob',
    );
  }

  it('lists running and upcoming windows first, then finished ones, newest first', async () => {
    const old = await plan('old work', 'db13', 0);
    await core.services.maintenance.finish(old.id, 'done', 'bob', 'ok');
    const dropped = await plan('dropped', 'db12', HOUR);
    await core.services.maintenance.finish(dropped.id, 'cancelled', 'bob', 'vendor late');
    core.clock.advance(MIN);
    const later = await plan('disk swap', 'web02', 2 * 86_400_000);
    const soon = await plan('kernel update', 'web0*', HOUR);
    const running = await plan('db failover', 'db12', 0);

    const page = await body(maintenancePage);
    expect(rowIds(page, 'window')).toEqual([running.id, soon.id, later.id, dropped.id, old.id]);
    expect(page.indexOf('Running and upcoming')).toBeLessThan(page.indexOf(`data-window="${running.id}"`));
    expect(page.indexOf('<h2>Finished')).toBeGreaterThan(page.indexOf(`data-window="${later.id}"`));
    expect(page.indexOf('<h2>Finished')).toBeLessThan(page.indexOf(`data-window="${dropped.id}"`));
    const row = page.slice(page.indexOf(`data-window="${running.id}"`), page.indexOf('</tr>', page.indexOf(`data-window="${running.id}"`)));
    expect(row).toContain('<span class="pill status-maintenance">in progress</span>');
    expect(row).toContain('<code>db12</code> <span class="muted">(1 host)</span>');
    expect(row).toContain('2026-11-25 12:01 UTC');
    expect(row).toContain('2026-11-25 14:01 UTC');
    expect(row).toContain('2h left');
    expect(row).toContain('<td>bob</td>');
    expect(page).toContain('<span class="pill sev-info">scheduled</span>');
    expect(page).toContain('<span class="pill status-poweroff">cancelled</span>');
    expect(page).toContain('<span class="pill status-working">done</span>');
  });

  it('shows start and end in the board zone', async () => {
    const w = await plan('tokyo', 'web01', HOUR);
    const r = (await maintenancePage({ ...ctx(), timezone: 'Asia/Tokyo' }))!;
    const row = r.body.value.slice(r.body.value.indexOf(`data-window="${w.id}"`));
    expect(row).toContain('2026-11-25 22:00 GMT+9');
  });

  it('pages the finished windows', async () => {
    for (let i = 0; i < 53; i++) {
      const w = await plan(`w${i}`, 'web10', 0, MIN);
      await core.services.maintenance.finish(w.id, 'done', 'bob', null);
      core.clock.advance(MIN);
    }
    const current = await plan('now', 'web01', 0);
    const p1 = await body(maintenancePage);
    const ids1 = rowIds(p1, 'window');
    expect(ids1[0]).toBe(current.id);
    expect(ids1.slice(1)).toEqual(Array.from({ length: 50 }, (_, i) => 53 - i));
    expect(p1).toContain('page 1 of 2 (53)');
    expect(p1).toContain('href="/maintenance?page=2" rel="next"');
    const p2 = await body(maintenancePage, 'page=2');
    expect(rowIds(p2, 'window')).toEqual([3, 2, 1]);
    expect(p2).not.toContain('Running and upcoming');
  });

  it('a window page shows the window, its hosts with their previous status, and its timeline', async () => {
    const w = await plan('kernel update', 'web01,web02', 0);
    core.clock.advance(10 * MIN);
    await core.services.maintenance.update(w.id, 'bob', 'web01 done');
    const r = (await maintenanceWindowPage(ctx('', { id: String(w.id) })))!;
    expect(r.title).toBe(`Maintenance #${w.id} kernel update`);
    const page = r.body.value;
    expect(page).toContain('<code>web01,web02</code>');
    expect(page).toMatch(/<tr>\s*<td><a href="\/servers\/web01">web01<\/a><\/td>\s*<td><span class="pill status-working">working<\/span><\/td>\s*<td><span class="pill status-maintenance">maintenance<\/span><\/td>/);
    expect(page).toMatch(/<td><a href="\/servers\/web02">web02<\/a><\/td>\s*<td><span class="pill status-standby">standby<\/span><\/td>/);
    const timeline = page.slice(page.indexOf('<h2>Timeline</h2>'));
    expect([...timeline.matchAll(/<td><b>([^<]+)<\/b><\/td>/g)].map((m) => m[1])).toEqual(['planned', 'started', 'update']);
    expect(timeline).toContain('web01 done');
    expect(timeline).toContain('2026-11-25 12:10 UTC');

    // A planned window shows what its targets match now.
    const later = await plan('later', 'web*', HOUR);
    const planned = await body(maintenanceWindowPage, '', { id: String(later.id) });
    expect(planned).toContain('The hosts are fixed when the window starts');
    expect(planned).toContain('<a href="/servers/web10">web10</a>');
  });

  it('a window page is null for unknown and malformed ids', async () => {
    await plan('x', 'web01', 0);
    for (const bad of ['abc', '0', '-1', '2', '1x']) expect(await maintenanceWindowPage(ctx('', { id: bad }))).toBeNull();
    expect(await maintenanceWindowPage(ctx('', { id: '1' }))).not.toBeNull();
  });
});

describe('tickets', () => {
  async function seed() {
    const { tickets } = core.services;
    await tickets.create({ title: 'Disk full on db12', description: 'the /var partition filled up overnight', priority: 'high', reporter: alice, assignee: bob, hosts: ['db12'] });
    core.clock.advance(MIN);
    await tickets.create({ title: 'HTTP 500s from web01', reporter: bob, assignee: alice, hosts: ['web01', 'web02'] });
    core.clock.advance(MIN);
    await tickets.create({ title: 'Rotate TLS certificates', reporter: alice });
    core.clock.advance(MIN);
    await tickets.create({ title: 'Pager down', priority: 'urgent', reporter: bob });
    core.clock.advance(MIN);
    await tickets.create({ title: 'Old fan noise', priority: 'low', reporter: alice, hosts: ['web01'] });
    await tickets.setStatus(5, 'closed', alice, 'fan replaced');
    await tickets.setStatus(3, 'in_progress', alice);
    await tickets.comment(2, alice, 'restarted nginx, watching it');
  }

  it('lists active tickets most urgent first, with priority, status, assignee, host links and the update time', async () => {
    await seed();
    const page = await body(ticketsPage);
    expect(rowIds(page, 'ticket')).toEqual([4, 1, 2, 3]);
    expect(page).toContain('<b>4</b> active tickets');
    const row = page.slice(page.indexOf('data-ticket="2"'), page.indexOf('</tr>', page.indexOf('data-ticket="2"')));
    expect(row).toContain('<a href="/tickets/2">HTTP 500s from web01</a>');
    expect(row).toContain('<span class="pill sev-info">open</span>');
    expect(row).toContain('<td>alice</td>');
    expect(row).toContain('<a href="/servers/web01">web01</a>, <a href="/servers/web02">web02</a>');
    expect(row).toContain('2026-11-25 12:04 UTC');
    expect(page).toContain('<span class="pill sev-critical">urgent</span>');
    expect(page).toContain('<span class="pill sev-warning">in progress</span>');
  });

  it('filters by status, assignee and words; a search with no words says what is wrong', async () => {
    await seed();
    expect(rowIds(await body(ticketsPage, 'status=all'), 'ticket')).toEqual([4, 1, 2, 3, 5]);
    expect(rowIds(await body(ticketsPage, 'status=closed'), 'ticket')).toEqual([5]);
    expect(rowIds(await body(ticketsPage, 'status=open'), 'ticket')).toEqual([4, 1, 2]);
    expect(rowIds(await body(ticketsPage, 'status=in_progress'), 'ticket')).toEqual([3]);
    expect(rowIds(await body(ticketsPage, 'assignee=alice'), 'ticket')).toEqual([2]);
    expect(rowIds(await body(ticketsPage, 'q=nginx'), 'ticket')).toEqual([2]);
    expect(rowIds(await body(ticketsPage, 'q=fan&status=all'), 'ticket')).toEqual([5]);
    expect(rowIds(await body(ticketsPage, 'q=fan'), 'ticket')).toEqual([]);
    // As `!tickets host=web01 --all` links: a host by name, FQDN or address.
    expect(rowIds(await body(ticketsPage, 'status=all&host=web01'), 'ticket')).toEqual([2, 5]);
    expect(rowIds(await body(ticketsPage, 'host=10.2.0.11'), 'ticket')).toEqual([2]);
    const noHost = await body(ticketsPage, 'host=nosuch99');
    expect(noHost).toContain("no server &#39;nosuch99&#39;");
    expect(rowIds(noHost, 'ticket')).toEqual([]);

    const links = await body(ticketsPage, 'assignee=bob&q=disk');
    expect(links).toContain('href="/tickets?status=all&amp;assignee=bob&amp;q=disk"');
    expect(links).toContain('name="q" value="disk"');

    const bad = await body(ticketsPage, 'q=...');
    expect(bad).toContain('role="alert"');
    expect(bad).toContain('search for words: letters or digits, e.g. disk full');
    expect(rowIds(bad, 'ticket')).toEqual([]);
    expect(await body(ticketsPage, 'status=bogus')).toContain('unknown status');
  });

  it('pages by 50', async () => {
    for (let i = 1; i <= 55; i++) await core.services.tickets.create({ title: `ticket ${i}`, reporter: alice });
    const p1 = await body(ticketsPage, 'assignee=&status=open');
    expect(rowIds(p1, 'ticket')).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(p1).toContain('href="/tickets?status=open&amp;page=2" rel="next"');
    expect(rowIds(await body(ticketsPage, 'status=open&page=2'), 'ticket')).toEqual([51, 52, 53, 54, 55]);
  });

  it('a ticket page shows fields, description, commits and the whole timeline', async () => {
    await seed();
    const sha = (n: number) => n.toString(16).padStart(40, 'a');
    const push: Push = {
      repo: 'app', ref: 'refs/heads/main', before: sha(1000), after: sha(2), pusher: 'carol', forced: false,
      commits: [
        { sha: sha(1), author: 'carol', message: 'clean up /var logs, refs #1', url: 'https://git.example.com/app/commit/1' },
        { sha: sha(2), author: 'dave', message: 'rotate logs daily, fixes #1' },
      ],
    };
    await core.services.git.ingest([push]);
    for (let i = 0; i < 5; i++) await core.services.tickets.comment(1, bob, `comment ${i}\nsecond line`);

    for (const id of ['1', '#1', '%231']) expect(await ticketPage(ctx('', { id }))).not.toBeNull();
    const r = (await ticketPage(ctx('', { id: '1' })))!;
    expect(r.title).toBe('#1 Disk full on db12');
    expect(r.section).toBe('tickets');
    const page = r.body.value;
    expect(page).toContain('<h1>#1 Disk full on db12</h1>');
    expect(page).toContain('<dt>reporter</dt><dd>alice</dd>');
    expect(page).toContain('<dt>assignee</dt><dd>bob</dd>');
    expect(page).toContain('<dt>watchers</dt><dd>alice, bob</dd>');
    expect(page).toContain('<dt>hosts</dt><dd><a href="/servers/db12">db12</a></dd>');
    expect(page).toContain('<span class="pill sev-warning">high</span>');
    expect(page).toContain('<div class="pre description">the /var partition filled up overnight</div>');
    // Commits: a link where the URL is known, the short sha as text otherwise.
    expect(page).toContain(`<a href="https://git.example.com/app/commit/1" rel="noopener noreferrer nofollow" target="_blank">${sha(1).slice(0, 7)}</a>`);
    expect(page).toContain(`<code>${sha(2).slice(0, 7)}</code>`);
    expect(page).toContain('clean up /var logs, refs #1');
    expect(page).toContain('<td>dave</td>');
    expect(page).toContain('<td>app</td>');
    expect(page).toMatch(/closes <span class="muted">\(closed/);
    expect(page).toContain('<span class="pill status-poweroff">closed</span>');
    // The whole timeline, comments in full.
    const timeline = page.slice(page.indexOf('<h2>Timeline</h2>'));
    expect(timeline).toContain('opened by alice');
    expect(timeline).toContain('alice assigned bob');
    for (let i = 0; i < 5; i++) expect(timeline).toContain(`comment ${i}\nsecond line`);
    expect(timeline).toContain('2026-11-25 12:04 UTC');
  });

  it('a ticket page is null for unknown and malformed ids', async () => {
    await seed();
    for (const bad of ['abc', '0', '-1', '99', '#', '1 2', '%23']) expect(await ticketPage(ctx('', { id: bad }))).toBeNull();
  });
});

describe('escaping', () => {
  it('alert text, summary, labels and host are shown as text; a javascript: url is not a link', async () => {
    const input: AlertInput = {
      source: 'api', name: `Disk ${SCRIPT}`, severity: 'critical', status: 'firing', host: `web${IMG}`,
      summary: `summary ${IMG}`, text: `text ${SCRIPT}`, labels: { [`k${IMG}`]: `v${SCRIPT}` }, url: 'javascript:alert(1)',
    };
    const [a] = await core.services.alerts.ingest([input]);
    const second: AlertInput = { ...input, name: 'Other', summary: 'Other', text: `only text ${SCRIPT}`, labels: { x: '1' }, url: ' JavaScript:alert(1)' };
    await core.services.alerts.ingest([second]);
    await core.services.alerts.ack(a!.id, { name: `mallory${IMG}`, actor: 'irc:account:mallory' }, `note ${SCRIPT}`, undefined);
    await core.services.alerts.silence([{ key: 'host', op: '=', pattern: `db${IMG}` }], HOUR, 'bob', `because ${SCRIPT}`);

    const list = await body(alertsPage, `host=${encodeURIComponent(`web${IMG}`)}&severity=critical`);
    expectNoInjectedMarkup(list);
    expect(list).toContain(`Disk ${SCRIPT_ESCAPED}`);
    expect(list).toContain(`summary ${IMG_ESCAPED}`);
    expect(list).toContain(`web${IMG_ESCAPED}`);
    expect(list).toContain(`acked by mallory${IMG_ESCAPED}`);
    expect(list).toContain(`because ${SCRIPT_ESCAPED}`);
    expect(list).toContain(`value="web${IMG_ESCAPED}"`);

    const all = await body(alertsPage, 'status=all');
    expectNoInjectedMarkup(all);
    expect(all).toContain(`only text ${SCRIPT_ESCAPED}`);

    const detail = await body(alertPage, '', { id: String(a!.id) });
    expectNoInjectedMarkup(detail);
    expect(detail).toContain(`text ${SCRIPT_ESCAPED}`);
    expect(detail).toContain(`<code>k${IMG_ESCAPED}</code>`);
    expect(detail).toContain(`v${SCRIPT_ESCAPED}`);
    expect(detail).toContain(`note ${SCRIPT_ESCAPED}`);
    expect(detail).toContain('javascript:alert(1)');
    expect(detail).not.toMatch(/href="[^"]*javascript/i);
    expect(await body(alertPage, '', { id: '2' })).not.toMatch(/href="[^"]*javascript/i);
  });

  it('ticket title, description, comments, hosts and commit data are shown as text', async () => {
    await core.services.tickets.create({ title: `Title ${SCRIPT}`, description: `Desc ${IMG}`, reporter: `irc:nick:${IMG}`, hosts: ['web01'] });
    await core.services.tickets.comment(1, { name: `eve${SCRIPT}` }, `Comment ${IMG}\n${SCRIPT}`);
    await core.services.tickets.setStatus(1, 'resolved', alice, `note ${SCRIPT}`);
    const sha = 'b'.repeat(40);
    await core.services.git.ingest([{
      repo: 'app', ref: 'refs/heads/main', before: 'c'.repeat(40), after: sha, pusher: 'carol', forced: false,
      commits: [{ sha, author: `eve ${IMG}`, message: `subject ${SCRIPT}, refs #1`, url: 'javascript:alert(1)' }],
    }]);

    const list = await body(ticketsPage, 'status=all');
    expectNoInjectedMarkup(list);
    expect(list).toContain(`Title ${SCRIPT_ESCAPED}`);
    const searched = await body(ticketsPage, `status=all&q=${encodeURIComponent(`Title ${SCRIPT}`)}`);
    expectNoInjectedMarkup(searched);

    const r = (await ticketPage(ctx('', { id: '1' })))!;
    expect(r.title).toBe(`#1 Title ${SCRIPT}`); // the layout escapes the title
    const page = r.body.value;
    expectNoInjectedMarkup(page);
    expect(page).toContain(`Title ${SCRIPT_ESCAPED}`);
    expect(page).toContain(`Desc ${IMG_ESCAPED}`);
    expect(page).toContain(`Comment ${IMG_ESCAPED}\n${SCRIPT_ESCAPED}`);
    expect(page).toContain(`eve${SCRIPT_ESCAPED}`);
    expect(page).toContain(`note ${SCRIPT_ESCAPED}`);
    expect(page).toContain(`subject ${SCRIPT_ESCAPED}`);
    expect(page).toContain(`eve ${IMG_ESCAPED}`);
    expect(page).toContain(`irc:nick:${IMG_ESCAPED}`);
    expect(page).not.toMatch(/href="[^"]*javascript/i);
  });

  it('a window title and its updates are shown as text', async () => {
    const w = await core.services.maintenance.plan({ title: `Patch ${SCRIPT}`, targets: 'web01', startsAt: core.clock.now(), durationMs: HOUR, owner: `o${IMG}`, channels: ['irc:#ops'] }, 'bob');
    await core.services.maintenance.update(w.id, `u${IMG}`, `update ${SCRIPT}`);
    const list = await body(maintenancePage);
    expectNoInjectedMarkup(list);
    expect(list).toContain(`Patch ${SCRIPT_ESCAPED}`);
    expect(list).toContain(`o${IMG_ESCAPED}`);
    const page = await body(maintenanceWindowPage, '', { id: String(w.id) });
    expectNoInjectedMarkup(page);
    expect(page).toContain(`Patch ${SCRIPT_ESCAPED}`);
    expect(page).toContain(`update ${SCRIPT_ESCAPED}`);
    expect(page).toContain(`u${IMG_ESCAPED}`);
  });
});
