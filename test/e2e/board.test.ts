/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importServers } from '../../src/domain/servers/import.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { launchBrowser, openPage, type WatchedPage } from '../helpers/browser.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';

/**
 * The status board end to end: the whole bot in-process with a seeded store,
 * Debian's Chromium driving its pages. Every page a test opens must finish
 * without a console error (CSP violations and failed loads count) or an
 * uncaught exception.
 */

const TOKEN = 'board-test-token-0123456789';
const SCREENSHOT = join(PACKAGE_ROOT, 'docs', 'board.png');

interface Host {
  name: string;
  service: string;
  roles: string[];
  status: 'working' | 'standby' | 'maintenance' | 'poweroff' | 'retired';
  tags: string[];
  rack: string;
}

/** A realistic small fleet: 61 hosts, 4 services, every status. */
function fleet(): Host[] {
  const hosts: Host[] = [];
  const add = (service: string, role: string, names: string[], status: (i: number) => Host['status'] = () => 'working', tags: string[] = []) =>
    names.forEach((name, i) => hosts.push({ name, service, roles: [`${service}:${role}`], status: status(i), tags, rack: `r${10 + (hosts.length % 12)}` }));
  const seq = (prefix: string, n: number, pad = 2) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(pad, '0')}`);
  // The board sorts services by name: `cart`, the busiest, comes first (and fills the screenshot).
  add('cart', 'web', seq('web', 12), (i) => (i === 8 ? 'maintenance' : i === 11 ? 'poweroff' : 'working'), ['frontend']);
  add('cart', 'app', seq('app', 8), (i) => (i === 4 ? 'standby' : 'working'));
  add('cart', 'lb', seq('lb', 4), (i) => (i === 3 ? 'standby' : 'working'), ['edge']);
  add('cart', 'cache', seq('cache', 4), (i) => (i === 3 ? 'poweroff' : 'working'));
  hosts.push(
    ...['db1', 'db2', 'db3', 'db4'].map((name, i): Host => ({ name, service: 'cart', roles: [i === 0 ? 'db:master' : 'db:slave'], status: 'working', tags: ['mysql'], rack: 'r01' })),
  );
  add('wiki', 'web', seq('wiki-web', 6), (i) => (i === 5 ? 'retired' : 'working'), ['frontend']);
  hosts.push(
    ...['wiki-db1', 'wiki-db2'].map((name, i): Host => ({ name, service: 'wiki', roles: [i === 0 ? 'db:master' : 'db:slave'], status: 'working', tags: ['postgres'], rack: 'r02' })),
  );
  add('search', 'data', seq('es', 10), (i) => (i === 8 ? 'poweroff' : i === 9 ? 'maintenance' : 'working'));
  add('search', 'master', seq('es-master', 3, 1));
  add('mail', 'mx', seq('mx', 4), (i) => (i === 3 ? 'retired' : 'working'), ['edge']);
  add('mail', 'imap', seq('imap', 4));
  return hosts;
}

const HOSTS = fleet();
const dcOf = (h: Host) => (HOSTS.indexOf(h) % 2 ? 'tyo2' : 'tyo1');
const byName = (name: string) => HOSTS.find((h) => h.name === name)!;

function csv(hosts: Host[]): string {
  const lines = ['name,fqdn,ips,roles,service,dc,rack,status,cpu,memory_gb,model,os,tags,notes'];
  hosts.forEach((h, i) => {
    const notes = h.name === 'web01' ? 'front door; <b>not bold</b> & "quoted"' : '';
    lines.push([h.name, `${h.name}.example.net`, `10.1.${i >> 8}.${(i & 255) + 1}`, h.roles.join(' '), h.service, dcOf(h), h.rack, h.status, 8 << (i % 3), 16 << (i % 3), 'Dell R650', 'Debian 12', h.tags.join(' '), `"${notes.replace(/"/g, '""')}"`].join(','));
  });
  return lines.join('\n') + '\n';
}

/**
 * What the filter box matches a host on: name, FQDN, roles, service, status,
 * tags, DC and rack (so `db` also finds every `standby` host).
 */
const matches = (h: Host, word: string) =>
  [h.name, `${h.name}.example.net`, ...h.roles, h.service, h.status, ...h.tags, dcOf(h), h.rack].join(' ').toLowerCase().includes(word);

let t: TestBot;
let base: string;
let browser: Browser;
const opened: WatchedPage[] = [];

async function api(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

const postAlert = (a: { title: string; severity: string; host: string; text?: string }) => api('POST', '/api/v1/alerts', a);

/**
 * A day of alerts that came and went, for the chart: posted as Alertmanager
 * would (started hours ago, resolved since), a few an hour with a busy spell.
 */
async function alertHistory(now = Date.now()): Promise<void> {
  const names = ['DiskFull', 'HighLoad', 'HTTP5xxRate', 'SlowQueries', 'NTPDrift', 'MemoryPressure'];
  const hosts = HOSTS.filter((h) => h.status === 'working');
  const alerts: { status: 'firing'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; fingerprint: string }[] = [];
  for (let ago = 23; ago >= 1; ago--) {
    const n = [1, 0, 2, 1, 3, 1, 0, 1, 2, 5, 8, 6, 3, 2, 1, 0, 1, 2, 1, 3, 2, 1, 4][ago - 1]!;
    for (let k = 0; k < n; k++) {
      const i = alerts.length;
      const h = hosts[(i * 7) % hosts.length]!;
      const start = now - ago * 3_600_000 + k * 300_000;
      alerts.push({
        status: 'firing', labels: { alertname: names[i % names.length]!, instance: `${h.name}:9100`, severity: i % 4 ? 'warning' : 'critical' },
        annotations: { summary: `${names[i % names.length]} on ${h.name}` }, startsAt: new Date(start).toISOString(), endsAt: new Date(start + 1_200_000).toISOString(), fingerprint: `history-${i}`,
      });
    }
  }
  const payload = (status: 'firing' | 'resolved') => ({ version: '4', status, receiver: 'opsbridge', groupKey: '{}:{}', externalURL: 'http://alertmanager:9093', alerts: alerts.map((a) => ({ ...a, status })) });
  await api('POST', '/api/v1/alerts/alertmanager', payload('firing'));
  await api('POST', '/api/v1/alerts/alertmanager', payload('resolved'));
}

/** A page on the board, watched for script errors; closed after the test. */
async function visit(path: string, viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const p = await openPage(browser, viewport ? { viewport } : {});
  opened.push(p);
  const res = await p.page.goto(base + path);
  expect(res?.status(), `GET ${path}`).toBe(200);
  return p;
}

const tile = (page: Page, name: string) => page.locator(`a.tile[href="/servers/${name}"]`);
const bg = (page: Page, name: string) => tile(page, name).evaluate((el) => getComputedStyle(el).backgroundColor);

beforeAll(async () => {
  browser = await launchBrowser();
  t = await startTestBot({
    http: { listen: '127.0.0.1:0', token: TOKEN },
    roles: { admin: ['console'] },
    alerts: { routes: [{ to: ['console'] }] },
  });
  base = `http://127.0.0.1:${t.bot.http.port}`;
  const r = await importServers(t.bot.core.services.inventory, csv(HOSTS), 'csv', { actor: 'test', source: 'fleet.csv' });
  expect(r.rejected).toEqual([]);
  expect(r.created).toBe(HOSTS.length);

  // A maintenance window started through the API puts its host in maintenance.
  await api('POST', '/api/v1/maintenance', { title: 'kernel update', hosts: 'web05', duration: '2h', owner: 'bob' });
  byName('web05').status = 'maintenance';
  await eventually(async () => (await t.bot.core.services.inventory.get('web05'))?.status === 'maintenance', 'web05 in maintenance');

  await alertHistory();
  await postAlert({ title: 'DiskFull', severity: 'critical', host: 'web01', text: 'disk / is 97% full' });
  await postAlert({ title: 'HTTP5xxRate', severity: 'warning', host: 'web03', text: '2.1% of requests answered 5xx' });
  await postAlert({ title: 'HeapNearlyFull', severity: 'error', host: 'app02', text: 'old gen 93% after full GC' });
  await postAlert({ title: 'HighLatency', severity: 'warning', host: 'es03', text: 'p99 search latency 1.8 s' });
  await postAlert({ title: 'QueueBacklog', severity: 'warning', host: 'mx02', text: '12,408 messages deferred' });
  await postAlert({ title: 'ReplicationLag', severity: 'error', host: 'db3', text: 'replica 94 s behind' });
  await t.bot.core.services.tickets.create({ title: 'db1: replace failing disk in slot 3', reporter: { name: 'alice' }, hosts: ['db1'] });
  await t.bot.core.services.tickets.create({ title: 'web07: NIC flapping since the switch firmware update', reporter: { name: 'carol' }, hosts: ['web07'] });
  await t.bot.core.services.tickets.create({ title: 'es03 slow after upgrade', reporter: { name: 'bob' }, hosts: ['es03'] });
});

afterEach(async () => {
  const pages = opened.splice(0);
  const errors = pages.flatMap((p) => p.errors);
  await Promise.all(pages.map((p) => p.close()));
  expect(errors, 'console errors and page errors').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the status board in Chromium', () => {
  it('shows every host as a tile coloured by status, with alert and ticket badges', async () => {
    const { page } = await visit('/');
    const tiles = page.locator('a.tile');
    await expect.poll(() => tiles.count()).toBe(HOSTS.length);
    const seen = await tiles.evaluateAll((els) =>
      els.map((el) => ({ href: el.getAttribute('href'), status: el.getAttribute('data-status'), cls: el.className, text: el.textContent ?? '' })),
    );
    for (const h of HOSTS) {
      const s = seen.find((x) => x.href === `/servers/${h.name}`);
      expect(s, `a tile for ${h.name}`).toBeDefined();
      expect(s!.status, h.name).toBe(h.status);
      expect(s!.cls.split(/\s+/), h.name).toContain(`status-${h.status}`);
      expect(s!.text.trim().startsWith(h.name), `${h.name}'s tile says ${s!.text}`).toBe(true);
    }

    // One colour per status.
    const colours = new Map<string, string>();
    for (const status of ['working', 'standby', 'maintenance', 'poweroff', 'retired'] as const) {
      colours.set(status, await bg(page, HOSTS.find((h) => h.status === status)!.name));
    }
    expect(new Set(colours.values()).size, JSON.stringify(Object.fromEntries(colours))).toBe(5);
    expect(await bg(page, 'web02')).toBe(colours.get('working'));
    expect(await bg(page, 'web05')).toBe(colours.get('maintenance'));

    // The worst firing severity, and open tickets.
    await expect.poll(() => tile(page, 'web01').locator('.badge.sev-critical').count()).toBe(1);
    expect(await tile(page, 'db3').locator('.badge.sev-error').count()).toBe(1);
    expect(await tile(page, 'es03').locator('.badge.sev-warning').count()).toBe(1);
    expect(await tile(page, 'web02').locator('.badge').count()).toBe(0);
    expect(await tile(page, 'db1').locator('.badge.tickets').count()).toBe(1);
    expect(await tile(page, 'db1').locator('[class*="sev-"]').count()).toBe(0);

    // Groups count what they hold.
    const groups = await page.locator('details.group').evaluateAll((els) =>
      els.map((g) => ({ count: Number(g.querySelector('.count')?.textContent?.replace(/\D/g, '')), tiles: g.querySelectorAll('.tile').length })),
    );
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const g of groups) expect(g.count).toBe(g.tiles);
    expect(await page.locator('#shown').textContent()).toBe(String(HOSTS.length));
  });

  it('takes the README screenshot', async () => {
    mkdirSync(join(PACKAGE_ROOT, 'docs'), { recursive: true });
    const { page } = await visit('/', { width: 1280, height: 800 });
    await page.waitForSelector('#live.on');
    // The README's picture must not show a broken count.
    expect(await page.locator('#shown').textContent()).toBe(String(HOSTS.length));
    await page.screenshot({ path: SCREENSHOT });
  });

  it('filters as you type', async () => {
    const { page } = await visit('/');
    await page.waitForSelector('input#filter');
    await page.fill('#filter', 'db');
    const expected = HOSTS.filter((h) => matches(h, 'db')).map((h) => h.name).sort();
    expect(expected).toEqual(expect.arrayContaining(['db1', 'db2', 'db3', 'db4', 'wiki-db1', 'wiki-db2']));
    await expect.poll(() => page.locator('#shown').textContent()).toBe(String(expected.length));
    const visible = await page.locator('a.tile:not([hidden])').evaluateAll((els) => els.map((el) => el.getAttribute('href')!.replace('/servers/', '')));
    expect(visible.sort()).toEqual(expected);
    expect(await tile(page, 'web01').isHidden()).toBe(true);
    expect(await tile(page, 'db1').isVisible()).toBe(true);
    // A group with nothing left in it folds away.
    const emptyGroups = await page.locator('details.group').evaluateAll((els) =>
      els.filter((g) => g.querySelectorAll('.tile:not([hidden])').length === 0).map((g) => (g as HTMLElement).hidden),
    );
    expect(emptyGroups.every(Boolean)).toBe(true);

    await page.fill('#filter', 'maintenance');
    await expect.poll(() => page.locator('a.tile:not([hidden])').count()).toBe(HOSTS.filter((h) => matches(h, 'maintenance')).length);

    await page.fill('#filter', '');
    await expect.poll(() => page.locator('a.tile:not([hidden])').count()).toBe(HOSTS.length);
  });

  it('opens a host from its tile', async () => {
    const { page } = await visit('/');
    await Promise.all([page.waitForURL(`${base}/servers/web01`), tile(page, 'web01').click()]);
    const text = await page.locator('main').innerText();
    for (const field of ['web01', 'web01.example.net', '10.1.0.1', 'cart:web', 'cart', 'tyo1', 'Dell R650', 'Debian 12', 'frontend', 'DiskFull']) {
      expect(text, field).toContain(field);
    }
    // Host notes are user input: shown as text.
    expect(text).toContain('front door; <b>not bold</b> & "quoted"');
    expect(await page.locator('main b', { hasText: 'not bold' }).count()).toBe(0);

    await page.goto(`${base}/servers/db1`);
    expect(await page.locator('main').innerText()).toContain('db1: replace failing disk in slot 3');
  });

  it('shows a new alert without a reload', async () => {
    const { page } = await visit('/');
    await page.waitForSelector('#live.on');
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
      document.addEventListener('board:updated', () => ((window as unknown as { __updated: number }).__updated = 1));
    });
    expect(await tile(page, 'app03').locator('.badge').count()).toBe(0);
    await postAlert({ title: 'OOMKilled', severity: 'critical', host: 'app03', text: 'java killed by the OOM killer' });
    await page.waitForSelector('a.tile[href="/servers/app03"] .badge.sev-critical', { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __updated?: number }).__updated)).toBe(1);
    // The filter survives an update.
    await page.fill('#filter', 'app');
    await postAlert({ title: 'OOMKilled', severity: 'warning', host: 'app06', text: 'java killed by the OOM killer' });
    await page.waitForSelector('a.tile[href="/servers/app06"] .badge.sev-warning', { timeout: 10_000 });
    expect(await page.inputValue('#filter')).toBe('app');
    expect(await tile(page, 'web01').isHidden()).toBe(true);
  });

  it('shows user input as text, never as markup or script', async () => {
    const payload = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">';
    await postAlert({ title: `Probe ${payload}`, severity: 'critical', host: 'es05', text: `disk says ${payload}` });
    await t.bot.core.services.tickets.create({ title: `ticket ${payload}`, reporter: { name: 'mallory' }, hosts: ['es05'] });
    for (const path of ['/alerts', '/servers/es05', '/tickets', '/']) {
      const { page } = await visit(path);
      await page.waitForLoadState('load');
      if (path !== '/') expect(await page.locator('main').innerText(), path).toContain(payload);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), path).toBeUndefined();
      expect(await page.locator('main script, main img[src="x"], img[onerror]').count(), path).toBe(0);
    }
  });

  it('lists tickets and maintenance windows', async () => {
    const tickets = await visit('/tickets');
    expect(await tickets.page.locator('main').innerText()).toContain('db1: replace failing disk in slot 3');
    const maint = await visit('/maintenance');
    expect(await maint.page.locator('main').innerText()).toContain('kernel update');
    const ticket = await visit('/tickets/1');
    expect(await ticket.page.locator('main').innerText()).toContain('db1: replace failing disk in slot 3');
  });
});
