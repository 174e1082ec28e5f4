import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertInput, Severity } from '../../src/domain/alerts/model.js';
import { FleetView } from '../../src/domain/board/fleet-view.js';
import type { ServerInput } from '../../src/domain/servers/model.js';
import { importServers } from '../../src/domain/servers/import.js';
import { fleetPage, PAGE_SIZE } from '../../src/http/board/pages/fleet.js';
import type { BoardContext, PageHandler } from '../../src/http/board/pages/page.js';
import { serverPage } from '../../src/http/board/pages/server.js';
import { SAMPLE_CSV, testCore, type TestCore } from '../helpers/core.js';

/**
 * The board's front page and host page, called directly on a real core
 * (SQLite, migrations, domain services) with the fixed test clock
 * (2026-11-25T12:00:00Z), asserting on the HTML they produce.
 */

const SCRIPT = '<script>alert(1)</script>';
const BREAKOUT = '"><img src=x onerror=alert(1)>';
const SCRIPT_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const BREAKOUT_ESCAPED = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';

let core: TestCore;
let fleet: FleetView;
beforeEach(async () => {
  core = await testCore();
  fleet = new FleetView(core.db);
});
afterEach(() => core.cleanup());

function ctx(query = '', params: Record<string, string> = {}): BoardContext {
  return { services: core.services, fleet, clock: core.clock, timezone: 'UTC', query: new URLSearchParams(query), params };
}

async function render(handler: PageHandler, query = '', params: Record<string, string> = {}): Promise<string> {
  const page = await handler(ctx(query, params));
  if (!page) throw new Error('the page said: not found');
  return page.body.value;
}

async function seedSample(): Promise<void> {
  const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
}

async function addHosts(inputs: ServerInput[]): Promise<void> {
  await core.services.inventory.import(inputs, { actor: 'test', reason: 'test' });
}

let alertNo = 0;
/** An alert as any source would hand it over; `started` is when its episode began. */
async function alert(host: string | undefined, severity: Severity, opts: { status?: 'firing' | 'resolved'; started?: string; summary?: string; name?: string } = {}) {
  const name = opts.name ?? `Alert${++alertNo}`;
  const input: AlertInput = {
    source: 'test', name, severity, status: opts.status ?? 'firing', summary: opts.summary ?? `${name} on ${host ?? 'nowhere'}`,
    labels: { alertname: name, ...(host && { host }) }, ...(host && { host }),
    ...(opts.started && { startsAt: new Date(opts.started) }),
  };
  return (await core.services.alerts.ingest([input]))[0]!;
}

interface Tile {
  name: string;
  status: string;
  dataStatus: string;
  href: string;
  search: string;
  hidden: boolean;
  badges: string[];
}

/** The tiles in document order, by the contract assets.ts relies on. */
function tiles(body: string): Tile[] {
  const out: Tile[] = [];
  for (const m of body.matchAll(/<a class="tile status-([a-z]+)" href="([^"]*)" title="[^"]*" data-status="([a-z]+)" data-search="([^"]*)"( hidden)?>([^<]*)(.*?)<\/a>/g)) {
    out.push({ status: m[1]!, href: m[2]!, dataStatus: m[3]!, search: m[4]!, hidden: !!m[5], name: m[6]!, badges: [...m[7]!.matchAll(/<span class="badge[^>]*>.*?<\/span>/g)].map((b) => b[0]) });
  }
  return out;
}

/** Group headings and tile names in document order: `# name count` for a group, the name for a tile. */
function outline(body: string): string[] {
  return [...body.matchAll(/<summary>(.*?) <span class="count">(\d+)<\/span>.*?<\/summary>|<a class="tile[^>]*>([^<]*)/g)].map((m) => (m[3] !== undefined ? m[3] : `# ${m[1]} ${m[2]}`));
}

const shown = (body: string) => Number(/<span id="shown">(\d+)<\/span>/.exec(body)?.[1]);
const mode = (body: string) => /<input id="filter"[^>]*data-mode="([a-z]+)"/.exec(body)?.[1];

describe('the fleet page', () => {
  it('tells how to import hosts when the inventory is empty', async () => {
    const body = await render(fleetPage);
    expect(body).toContain('No hosts in the inventory yet');
    expect(body).toContain('<code>opsbridge servers import hosts.csv</code>');
    expect(tiles(body)).toEqual([]);
  });

  it('shows one tile per host, coloured by status, grouped by service then first role', async () => {
    await seedSample();
    await addHosts([
      { name: 'lb01', roles: ['lb', 'web:proxy'], service: 'edge', status: 'maintenance' },
      { name: 'spare01', status: 'retired' },
      { name: 'cache01', roles: ['cache'], service: 'blog', status: 'working' },
    ]);
    const body = await render(fleetPage);
    expect(body).toContain('<h1>Fleet</h1>');
    expect(mode(body)).toBe('client');
    expect(shown(body)).toBe(8);

    const web02 = tiles(body).find((t) => t.name === 'web02')!;
    expect(web02).toMatchObject({ status: 'standby', dataStatus: 'standby', href: '/servers/web02', hidden: false, badges: [] });
    expect(web02.search).toBe('web02 web02.example.net blog:app blog standby frontend tokyo1 r12');
    expect(Object.fromEntries(tiles(body).map((t) => [t.name, t.status]))).toEqual({
      web01: 'working', web02: 'standby', web10: 'working', cache01: 'working', db12: 'working', db13: 'poweroff', lb01: 'maintenance', spare01: 'retired',
    });
    expect(body).toMatch(/<a class="tile status-maintenance" href="\/servers\/lb01" title="lb01: maintenance · lb, web:proxy"/);

    // Services by name, hosts without one last; roles by name within; a host with several roles under its first.
    expect(outline(body)).toEqual([
      '# blog 6', '# blog:app 3', 'web01', 'web02', 'web10', '# cache 1', 'cache01', '# db:master 1', 'db12', '# db:slave 1', 'db13',
      '# edge 1', '# lb 1', 'lb01',
      '# no service 1', '# no role 1', 'spare01',
    ]);
    // All groups open: the whole fleet is on the page.
    expect(body).not.toMatch(/<details class="group">/);
    expect(body.match(/<details class="group" open>/g)).toHaveLength(9);
  });

  it('sums up the fleet: hosts per status, firing alerts, open tickets', async () => {
    await seedSample();
    await alert('web01', 'critical');
    await alert('web01', 'warning');
    await alert('db12', 'warning', { status: 'resolved' });
    await alert('nohost.example.org', 'error');
    await core.services.tickets.create({ title: 'disk on web01', reporter: 'irc:nick:carol', hosts: ['web01'] });
    const done = await core.services.tickets.create({ title: 'old one', reporter: 'irc:nick:carol', hosts: ['web02'] });
    await core.services.tickets.setStatus(done.id, 'closed', 'carol');
    const summary = /<p class="summary">(.*?)<\/p>/.exec(await render(fleetPage))![1]!.replace(/<[^>]+>/g, '');
    expect(summary).toContain('5 hosts');
    expect(summary).toContain('3 working');
    expect(summary).toContain('1 standby');
    expect(summary).toContain('0 maintenance');
    expect(summary).toContain('1 poweroff');
    expect(summary).toContain('3 firing (1 critical, 1 error, 1 warning)');
    expect(summary).toContain('1 open tickets');
  });

  it('badges a host with its firing alerts (worst severity) and its active tickets', async () => {
    await seedSample();
    await alert('web01', 'warning');
    await alert('web01', 'critical');
    await alert('web01', 'info', { status: 'resolved' });
    await alert('web02', 'info');
    await alert('db12', 'critical', { status: 'resolved' });
    // Held back (the host is in maintenance), still firing: it counts.
    await core.services.inventory.setStatus((await core.services.inventory.get('db13'))!.id, 'maintenance', 'alice', null);
    expect((await alert('db13', 'warning')).outcome).toBe('suppressed');
    // Found by FQDN: still web10's.
    await alert('web10.example.net', 'error');
    await core.services.tickets.create({ title: 'one', reporter: 'irc:nick:carol', hosts: ['web01', 'db12'] });
    await core.services.tickets.create({ title: 'two', reporter: 'irc:nick:carol', hosts: ['web01'] });
    const closed = await core.services.tickets.create({ title: 'three', reporter: 'irc:nick:carol', hosts: ['db13'] });
    await core.services.tickets.setStatus(closed.id, 'closed', 'carol');

    const byName = Object.fromEntries(tiles(await render(fleetPage)).map((t) => [t.name, t.badges]));
    expect(byName.web01).toEqual([
      '<span class="badge sev-critical" title="2 firing (worst: critical)">2</span>',
      '<span class="badge tickets" title="2 open tickets">2&nbsp;tkt</span>',
    ]);
    expect(byName.web02).toEqual(['<span class="badge sev-info" title="1 firing (worst: info)">1</span>']);
    expect(byName.web10).toEqual(['<span class="badge sev-error" title="1 firing (worst: error)">1</span>']);
    expect(byName.db12).toEqual(['<span class="badge tickets" title="1 open ticket">1&nbsp;tkt</span>']);
    expect(byName.db13).toEqual(['<span class="badge sev-warning" title="1 firing (worst: warning)">1</span>']);

    // Without a list of hosts: every host with something to show.
    const all = await fleet.hostBadges();
    const names: string[] = [];
    for (const id of all.keys()) names.push((await core.services.inventory.getById(id))!.name);
    expect(names.sort()).toEqual(['db12', 'db13', 'web01', 'web02', 'web10']);
    expect(all.get((await core.services.inventory.get('db13'))!.id)).toEqual({ firing: 1, quiet: 1, worst: 'warning', tickets: 0 });
  });

  it('hides the tiles a ?q= does not match in a small fleet, leaving the rest to the script', async () => {
    await seedSample();
    const body = await render(fleetPage, 'q=DB+osaka1');
    expect(mode(body)).toBe('client');
    expect(body).toContain('value="DB osaka1"');
    expect(tiles(body).filter((t) => !t.hidden).map((t) => t.name)).toEqual(['db12', 'db13']);
    expect(tiles(body)).toHaveLength(5);
    expect(shown(body)).toBe(2);
    // The blog:app group has no match left: hidden, counted 0, as the script would leave it.
    expect(body).toContain('<details class="group" open hidden><summary>blog:app <span class="count">0</span>');
  });

  it('charts the alerts of the last 24 hours by the hour they started', async () => {
    await seedSample();
    await alert('web01', 'critical', { started: '2026-11-25T11:30:00Z' });
    await alert('web02', 'warning', { started: '2026-11-25T11:59:59.999Z', status: 'resolved' });
    await alert('web10', 'info', { started: '2026-11-25T12:00:00Z' }); // now: the last bar
    await alert('db12', 'critical', { started: '2026-11-25T09:15:00Z' });
    await alert('db13', 'error', { started: '2026-11-25T00:30:00Z' });
    await alert(undefined, 'error', { started: '2026-11-25T00:59:00Z' });
    await alert('web01', 'info', { started: '2026-11-24T12:00:00.001Z' }); // the first bar
    await alert('web01', 'info', { started: '2026-11-24T12:00:00Z' }); // exactly 24 h ago: before the chart
    await alert('web01', 'info', { started: '2026-11-25T12:00:00.001Z' }); // the future: not yet
    await alert('web01', 'info', { started: '2026-11-20T08:00:00Z' });

    const body = await render(fleetPage);
    const chart = /<div class="chart">.*?<\/svg><\/div>/s.exec(body)![0];
    expect(chart).toMatch(/<svg viewBox="0 0 240 60"[^>]* role="img" aria-label="Alerts per hour over the last 24 hours: 7 in all, at most 3 in one hour">/);
    const counts = [...chart.matchAll(/<rect [^>]*data-count="(\d+)"/g)].map((m) => Number(m[1]));
    const expected = Array<number>(24).fill(0);
    expected[0] = 1;
    expected[12] = 2;
    expected[21] = 1;
    expected[23] = 3;
    expect(counts).toEqual(expected);
    expect(chart.match(/<title>/g)).toHaveLength(25);
    expect(chart).toContain('<title>3 alerts started 2026-11-25 11:00 UTC – 2026-11-25 12:00 UTC</title>');
    expect(chart).toContain('<title>0 alerts started 2026-11-25 10:00 UTC – 2026-11-25 11:00 UTC</title>');
    expect(chart).toContain('<title>1 alert started 2026-11-24 12:00 UTC – 2026-11-24 13:00 UTC</title>');
  });

  describe('a fleet too big for one page', () => {
    const SERVICES = ['api', 'Batch', 'core', 'data', 'edge'];
    // 2,105 hosts: more than a page, in five services (one in two spellings of case), with a few hosts without service or role.
    async function seedBig(): Promise<ServerInput[]> {
      const inputs: ServerInput[] = [];
      for (let i = 0; i < PAGE_SIZE + 100; i++) {
        const service = i % 97 === 0 ? null : i === 5 ? 'BATCH' : SERVICES[i % SERVICES.length]!;
        inputs.push({
          name: `node${String(i).padStart(4, '0')}`, service, roles: i % 89 === 0 ? [] : [`r${i % 3}`, 'common'],
          status: i % 7 === 0 ? 'standby' : 'working', tags: [i % 2 ? 'odd' : 'even'], dc: `dc${i % 4}`,
        });
      }
      await addHosts(inputs);
      await seedSample();
      return inputs;
    }

    it('filters on the server, pages the tiles and collapses the groups', async () => {
      await seedBig();
      const first = await render(fleetPage);
      expect(mode(first)).toBe('server');
      expect(tiles(first)).toHaveLength(PAGE_SIZE);
      expect(shown(first)).toBe(PAGE_SIZE);
      expect(first).toContain(' of 2,105 matching');
      // Services collapsed, each with its count over all pages; roles inside open, ready when expanded.
      expect(first).toMatch(/<details class="group"><summary>api <span class="count">\d+<\/span>/);
      expect(first).not.toMatch(/<details class="group" open><summary>api /);
      expect(first).toContain('<nav class="pager" aria-label="pages"><span>hosts 1–2,000 of 2,105 (page 1 of 2)</span><a href="/?page=2" rel="next">next →</a></nav>');

      const second = await render(fleetPage, 'page=2');
      expect(tiles(second)).toHaveLength(105);
      expect(second).toContain('<a href="/" rel="prev">← prev</a><span>hosts 2,001–2,105 of 2,105 (page 2 of 2)</span>');
      // Hosts without service come last; every host is on exactly one page.
      const names = [...tiles(first), ...tiles(second)].map((t) => t.name);
      expect(new Set(names).size).toBe(PAGE_SIZE + 105);
      expect(names.at(-1)).toMatch(/^node\d{4}$/);
      expect(tiles(second).at(-1)!.search).not.toMatch(/api|batch|core|data|edge/);
      // A page past the end shows the last one.
      expect(tiles(await render(fleetPage, 'page=99'))).toHaveLength(105);
    });

    it('matches every word of ?q= against name, fqdn, roles, service, status, tags, dc and rack, ignoring case', async () => {
      const inputs = await seedBig();
      const body = await render(fleetPage, 'q=batch+STANDBY+even');
      expect(mode(body)).toBe('server');
      const expected = inputs.filter((h) => h.service?.toLowerCase() === 'batch' && h.status === 'standby' && h.tags![0] === 'even').map((h) => h.name);
      expect(expected.length).toBeGreaterThan(0);
      expect(tiles(body).map((t) => t.name).sort()).toEqual(expected.sort());
      expect(body).toContain(`of ${expected.length} matching`);
      expect(body).toContain('value="batch STANDBY even"');
      // Batch and BATCH are one group.
      expect(body.match(/<summary>(Batch|BATCH) /g)).toHaveLength(1);

      expect(tiles(await render(fleetPage, 'q=web10.example')).map((t) => t.name)).toEqual(['web10']);
      expect(tiles(await render(fleetPage, 'q=osaka1 db:')).map((t) => t.name)).toEqual(['db12', 'db13']);
      const none = await render(fleetPage, 'q=nosuchthing');
      expect(tiles(none)).toEqual([]);
      expect(none).toContain('No host matches <b>nosuchthing</b>');
      // LIKE's wildcards are plain characters in a query.
      expect(tiles(await render(fleetPage, 'q=node_0'))).toEqual([]);
      expect(tiles(await render(fleetPage, 'q=%25'))).toEqual([]);
    });

    it('keeps the query in the pager links', async () => {
      await seedBig();
      const body = await render(fleetPage, 'q=node');
      expect(tiles(body)).toHaveLength(PAGE_SIZE);
      expect(body).toContain('<a href="/?q=node&amp;page=2" rel="next">');
      const second = await render(fleetPage, 'q=node&page=2');
      expect(tiles(second)).toHaveLength(100);
      expect(second).toContain('<a href="/?q=node" rel="prev">');
      // A group cut by the page break says how much of it is here.
      expect(body + second).toMatch(/<span class="count">\d+<\/span> <span class="muted">\(\d+ on this page\)<\/span>/);
    });

    it('pages through the groups in exactly the board order', async () => {
      await seedBig();
      for (const words of [[], ['odd'], ['dc1', 'r2']]) {
        const layout = await fleet.layout(words);
        const all = (await fleet.tiles(words, 1_000_000, 0)).map((h) => h.name);
        const paged: string[] = [];
        for (let offset = 0; offset < layout.matching; offset += 333) paged.push(...(await fleet.pageTiles(layout, words, 333, offset)).map((h) => h.name));
        expect(paged).toEqual(all);
        expect(layout.matching).toBe(all.length);
      }
    });
  });

  it('escapes what users wrote: host fields, the query', async () => {
    await addHosts([{ name: 'evil01', service: BREAKOUT, tags: [SCRIPT.replaceAll(' ', '')], notes: `${SCRIPT}\n${BREAKOUT}`, roles: [BREAKOUT.replaceAll(' ', '')] }]);
    const body = await render(fleetPage, `q=${encodeURIComponent(`${BREAKOUT} ${SCRIPT}`)}`);
    expect(body).toContain(BREAKOUT_ESCAPED);
    expect(body).toContain(SCRIPT_ESCAPED);
    expect(body).not.toContain('<script');
    expect(body).not.toContain('<img');
    expect(body).not.toContain(BREAKOUT);
    expect(body).not.toContain(SCRIPT);
  });
});

describe('the host page', () => {
  it('shows a host: fields, alerts, maintenance windows, tickets and status history', async () => {
    await seedSample();
    const web01 = (await core.services.inventory.get('web01'))!;
    await core.services.inventory.setStatus(web01.id, 'standby', 'alice', 'drain for the kernel update');
    core.clock.advance(60_000);
    await core.services.inventory.setStatus(web01.id, 'working', 'bob', null);
    const firing = await alert('web01', 'critical', { name: 'DiskFull', summary: '/var at 97%' });
    const old = await alert('web01', 'warning', { name: 'LoadHigh', status: 'resolved' });
    await alert('web02', 'critical', { name: 'OtherHost' });
    const w = (await core.services.maintenanceStore.insert({
      title: 'kernel update', targets: 'web01', starts_at: new Date('2026-11-26T01:00:00Z'), ends_at: new Date('2026-11-26T02:00:00Z'), owner: 'alice', channels: [],
    }))!;
    await core.services.maintenanceStore.addHost(w.id, web01.id, 'working');
    const closed = await core.services.tickets.create({ title: 'replace fan', reporter: 'irc:nick:carol', hosts: ['web01'], priority: 'urgent' });
    await core.services.tickets.setStatus(closed.id, 'closed', 'carol');
    const open = await core.services.tickets.create({ title: 'disk full again', reporter: 'irc:nick:carol', hosts: ['web01'], priority: 'low' });

    const body = await render(serverPage, '', { name: 'web01' });
    expect(body).toContain('<h1>web01 <span class="pill status-working">working</span></h1>');
    const fields = /<dl class="fields">(.*?)<\/dl>/s.exec(body)![1]!;
    for (const [k, v] of [['fqdn', 'web01.example.net'], ['ips', '10.2.0.11 2001:db8::11'], ['roles', 'blog:app'], ['service', 'blog'], ['dc', 'tokyo1'],
      ['rack', 'r12'], ['cpu', '16'], ['memory', '64 GB'], ['model', 'Dell R640'], ['os', 'Debian 12'], ['tags', 'frontend']]) {
      expect(fields).toContain(`<dt>${k}</dt><dd>${v}</dd>`);
    }
    expect(fields).toContain('<dt>notes</dt><dd><span class="muted">—</span></dd>');

    expect(body).toContain(`<a href="/alerts/${firing.id}">DiskFull</a>: /var at 97%`);
    expect(body).toContain(`<a href="/alerts/${old.id}">LoadHigh</a>`);
    expect(body).not.toContain('OtherHost');
    const firingPart = body.slice(body.indexOf('<h2>Firing alerts</h2>'), body.indexOf('<h2>Recent alerts</h2>'));
    expect(firingPart).toContain('DiskFull');
    expect(firingPart).not.toContain('LoadHigh');

    expect(body).toContain(`<a href="/maintenance/${w.id}">kernel update</a>`);
    expect(body).toContain('2026-11-26 01:00 UTC');

    // Active tickets first, whatever their priority.
    expect(body.indexOf(`<a href="/tickets/${open.id}">disk full again</a>`)).toBeGreaterThan(0);
    expect(body.indexOf(`/tickets/${open.id}"`)).toBeLessThan(body.indexOf(`/tickets/${closed.id}"`));

    const history = body.slice(body.indexOf('<h2>Status history</h2>'));
    expect(history).toContain('<td><time datetime="2026-11-25T12:00:00.000Z">2026-11-25 12:00 UTC</time></td><td>alice</td>');
    expect(history).toContain('<span class="pill status-working">working</span> → <span class="pill status-standby">standby</span>');
    expect(history).toContain('drain for the kernel update');
    expect(history.indexOf('bob')).toBeLessThan(history.indexOf('alice'));
  });

  it('shows times in the configured zone', async () => {
    await seedSample();
    const db12 = (await core.services.inventory.get('db12'))!;
    await core.services.inventory.setStatus(db12.id, 'maintenance', 'alice', 'disk swap');
    const page = (await serverPage({ ...ctx('', { name: 'db12' }), timezone: 'Asia/Tokyo' }))!;
    expect(page.body.value).toContain('2026-11-25 21:00 GMT+9');
  });

  it('finds a host by FQDN, and is null (a 404) for an unknown one', async () => {
    await seedSample();
    expect(await render(serverPage, '', { name: 'db12.example.net' })).toContain('<h1>db12 ');
    expect(await render(serverPage, '', { name: 'DB12' })).toContain('<h1>db12 ');
    expect(await serverPage(ctx('', { name: 'nosuchhost' }))).toBeNull();
    expect(await serverPage(ctx('', {}))).toBeNull();
  });

  it('escapes notes, alert text and ticket titles', async () => {
    await addHosts([{ name: 'evil01', fqdn: 'evil01.example.net', notes: `line one\n${SCRIPT}\n${BREAKOUT}`, service: BREAKOUT, tags: ['t'] }]);
    await alert('evil01', 'critical', { name: `X${BREAKOUT}`, summary: `${SCRIPT} ${BREAKOUT}` });
    await core.services.tickets.create({ title: `${SCRIPT} ${BREAKOUT}`, reporter: 'irc:nick:carol', hosts: ['evil01'] });
    const evil = (await core.services.inventory.get('evil01'))!;
    await core.services.inventory.setStatus(evil.id, 'standby', 'mallory', BREAKOUT);

    const body = await render(serverPage, '', { name: 'evil01' });
    expect(body).toContain(`<dt>notes</dt><dd>line one\n${SCRIPT_ESCAPED}\n${BREAKOUT_ESCAPED}</dd>`);
    expect(body).toContain(`<a href="/tickets/1">${SCRIPT_ESCAPED} ${BREAKOUT_ESCAPED}</a>`);
    expect(body.split(SCRIPT_ESCAPED).length - 1).toBeGreaterThanOrEqual(4); // notes, firing, recent, ticket
    for (const page of [body, await render(fleetPage)]) {
      expect(page).not.toContain('<script');
      expect(page).not.toContain('<img');
      expect(page).not.toContain(BREAKOUT);
      expect(page).not.toContain(SCRIPT);
    }
  });
});
