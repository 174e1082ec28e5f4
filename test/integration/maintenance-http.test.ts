import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { importServers } from '../../src/domain/servers/import.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { SAMPLE_CSV } from '../helpers/core.js';

/**
 * The maintenance JSON API of the whole bot, in-process: what a deploy
 * script uses to open a window and what a dashboard reads. The bot runs on
 * the system clock here (startTestBot takes no clock), so times sent are
 * relative to now; the schedule itself is covered with an injected clock in
 * maintenance.test.ts.
 */

const TOKEN = 'test-token-0123456789';

let t: TestBot;
let base: string;

beforeAll(async () => {
  t = await startTestBot({
    http: { listen: '127.0.0.1:0', token: TOKEN },
    timezone: 'Asia/Tokyo',
    roles: { admin: ['console'] },
    maintenance: { channels: ['irc:#maint'] },
  });
  base = `http://127.0.0.1:${t.bot.http.port}`;
  const r = await importServers(t.bot.core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
});
afterAll(async () => {
  await t?.stop();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function post(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, path = '/api/v1/maintenance') {
  const r = await fetch(base + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Json };
}

async function get(path: string) {
  const r = await fetch(base + path);
  return { status: r.status, body: (await r.json()) as Json };
}

const windowCount = async () => (await t.bot.core.db.value<number>('SELECT COUNT(*) FROM maintenance_windows'))!;
const statusOf = async (name: string) => (await t.bot.core.services.inventory.get(name))!.status;
const postsTo = async (channel: string) =>
  (await t.bot.core.db.column<string>('SELECT body FROM outbox WHERE channel = ? ORDER BY id', [channel])).map((b) => renderPlain(JSON.parse(b) as RichText));

describe('POST /api/v1/maintenance', () => {
  it('needs the bearer token: 401 without it or with a wrong one, and nothing is planned', async () => {
    const before = await windowCount();
    const none = await post({ title: 'deploy', hosts: 'web01', duration: '30m' }, { 'content-type': 'application/json' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error).toMatch(/missing bearer token/);
    const wrong = await post({ title: 'deploy', hosts: 'web01', duration: '30m' }, { authorization: 'Bearer not-the-token', 'content-type': 'application/json' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid bearer token');
    expect(await windowCount()).toBe(before);
    expect(await statusOf('web01')).toBe('working');
  });

  it('answers 400 naming the field for a bad title, hosts, duration, start or channels, and plans nothing', async () => {
    const before = await windowCount();
    const ok = { title: 'deploy', hosts: 'web01', duration: '30m' };
    const cases: Array<[Json, string, RegExp]> = [
      [{ ...ok, title: '' }, 'title', /required/],
      [{ ...ok, title: '   ' }, 'title', /required/],
      [{ hosts: 'web01', duration: '30m' }, 'title', /required: a short title/],
      [{ ...ok, title: 'x'.repeat(201) }, 'title', /./],
      [{ ...ok, hosts: '' }, 'hosts', /required: names, globs and role:NAME/],
      [{ title: 'deploy', duration: '30m' }, 'hosts', /required: names, globs/],
      [{ ...ok, hosts: 'web1' }, 'hosts', /^no server 'web1' — did you mean web01, web10\?$/],
      [{ ...ok, hosts: 'zz*' }, 'hosts', /^zz\* matches no host in the inventory$/],
      [{ ...ok, hosts: ' , ' }, 'hosts', /^no hosts given/],
      [{ title: 'deploy', hosts: 'web01' }, 'duration', /required: a duration string such as "30m"/],
      [{ ...ok, duration: 'soon' }, 'duration', /^'soon' is not a duration .*use e\.g\. 30m/],
      [{ ...ok, duration: '0m' }, 'duration', /^'0m' is no time at all/],
      [{ ...ok, duration: '31d' }, 'duration', /too long/],
      [{ ...ok, duration: 1800 }, 'duration', /a duration string such as "30m"/],
      [{ ...ok, start: '2020-01-01T00:00:00Z' }, 'start', /is in the past/],
      [{ ...ok, start: 'whenever' }, 'start', /^'whenever' is not a time I understand/],
      [{ ...ok, start: '2027-10-31 02:30 Europe/Berlin' }, 'start', /happens twice in Europe\/Berlin/],
      [{ ...ok, channels: [] }, 'channels', /./],
      [{ ...ok, channels: ['bogus'] }, 'channels.0', /channel address/],
      [{ ...ok, surprise: true }, 'surprise', /unknown field/],
    ];
    for (const [body, field, re] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.field, JSON.stringify(body)).toBe(field);
      expect(r.body.error, JSON.stringify(body)).toMatch(re);
    }
    const notJson = await post('{"title": "deploy",');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/not valid JSON/);
    expect(await windowCount()).toBe(before);
  });

  it('lets a deploy script open a window now: 201 with the window, hosts in maintenance, alerts held, the channel told', async () => {
    // What `curl -d` sends: no JSON content type.
    const r = await post(
      { title: 'deploy app v42', hosts: 'web0*', duration: '30m', owner: 'ci', channels: ['irc:#deploys'] },
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(r.status).toBe(201);
    expect(r.body.hosts).toBe(2);
    const w = r.body.window as Json;
    expect(w).toMatchObject({ title: 'deploy app v42', targets: 'web0*', status: 'in_progress', owner: 'ci', channels: ['irc:#deploys'], schedule_id: null });
    expect(Date.parse(w.ends_at) - Date.parse(w.starts_at)).toBe(30 * 60_000);
    expect(w.started_at).not.toBeNull();
    expect(await statusOf('web01')).toBe('maintenance');
    expect(await statusOf('web02')).toBe('maintenance');
    expect(await postsTo('irc:#deploys')).toEqual([expect.stringMatching(new RegExp(`^🛠 started: maintenance #${w.id} deploy app v42 — 2 hosts \\(web01, web02\\) in maintenance until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d GMT\\+9$`))]);

    // An alert for a covered host, through the HTTP intake: held back.
    const alert = await post({ title: 'HTTP 500s', severity: 'critical', host: 'web01' }, undefined, '/api/v1/alerts');
    expect(alert.status).toBe(202);
    expect(alert.body.alerts[0]).toMatchObject({ outcome: 'suppressed', posted: false });

    const one = await get(`/api/v1/maintenance/${w.id}`);
    expect(one.status).toBe(200);
    expect(one.body.window).toMatchObject({ id: w.id, status: 'in_progress' });
    expect(one.body.hosts).toEqual([
      { name: 'web01', previous_status: 'working' },
      { name: 'web02', previous_status: 'standby' },
    ]);
    expect((one.body.timeline as Json[]).map((u) => `${u.kind} by ${u.actor}`)).toEqual(['started by opsbridge', 'planned by api:ci']);

    // The script closes it (as `!maint done` would); the hosts get their status back.
    const end = await t.bot.core.services.maintenance.finish(w.id, 'done', 'ci', 'deployed');
    expect(end.suppressed).toBe(1);
    expect(await statusOf('web01')).toBe('working');
    expect(await statusOf('web02')).toBe('standby');
    expect((await postsTo('irc:#deploys')).at(-1)).toMatch(/^✅ done: maintenance #\d+ deploy app v42 .*— deployed — .*1 alert was suppressed$/);
    expect((await get(`/api/v1/maintenance/${w.id}`)).body.window.status).toBe('done');
  });

  it('plans a window for later (start=) announcing to the configured channels; its hosts are resolved when it starts', async () => {
    const r = await post({ title: 'db patch', hosts: 'db*', duration: '2h', start: 'in 3h' });
    expect(r.status).toBe(201);
    expect(r.body.hosts).toBe(0);
    expect(r.body.window).toMatchObject({ status: 'scheduled', owner: 'api', channels: ['irc:#maint'] });
    expect(Math.abs(Date.parse(r.body.window.starts_at) - (Date.now() + 3 * 3_600_000))).toBeLessThan(60_000);
    expect(await statusOf('db12')).toBe('working');
    const iso = await post({ title: 'rack move', hosts: 'web10', duration: '1h', start: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    expect(iso.status).toBe(201);
    expect(iso.body.window.status).toBe('scheduled');
  });
});

describe('GET /api/v1/maintenance', () => {
  it('lists windows newest first, filtered by status', async () => {
    await post({ title: 'later', hosts: 'web10', duration: '1h', start: 'in 5h' });
    const all = await get('/api/v1/maintenance');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ limit: 100, offset: 0 });
    expect(all.body.total).toBe((all.body.windows as Json[]).length);
    const starts = (all.body.windows as Json[]).map((w) => Date.parse(w.starts_at));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    const scheduled = await get('/api/v1/maintenance?status=scheduled');
    expect(scheduled.status).toBe(200);
    expect((scheduled.body.windows as Json[]).length).toBeGreaterThan(0);
    expect((scheduled.body.windows as Json[]).every((w) => w.status === 'scheduled')).toBe(true);
    for (const status of ['in_progress', 'overdue', 'done', 'cancelled']) {
      const r = await get(`/api/v1/maintenance?status=${status}`);
      expect(r.status, status).toBe(200);
      expect((r.body.windows as Json[]).every((w) => w.status === status), status).toBe(true);
    }
    const limited = await get('/api/v1/maintenance?limit=1');
    expect(limited.body.windows).toHaveLength(1);
    expect(limited.body.total).toBe(all.body.total);
  });

  it('answers 400 for a bad status or an unknown parameter', async () => {
    const bad = await get('/api/v1/maintenance?status=running');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'status must be one of scheduled, in_progress, overdue, done, cancelled', field: 'status' });
    const unknown = await get('/api/v1/maintenance?state=done');
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('state');
    expect((await get('/api/v1/maintenance?limit=0')).status).toBe(400);
  });

  it('answers 404 for an unknown window and 400 for an id that is not a number', async () => {
    const missing = await get('/api/v1/maintenance/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('no maintenance #999999');
    const garbage = await get('/api/v1/maintenance/abc');
    expect(garbage.status).toBe(400);
    expect(garbage.body.field).toBe('id');
  });
});
