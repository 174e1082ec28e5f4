import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RichText } from '../../src/chat/rich-text.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/ports.js';

/**
 * The HTTP intake of the whole bot, in-process. The only chat is an IRC
 * network that is not there, so whatever is routed stays pending in the
 * outbox, where the tests (and /metrics) can count it.
 */

const TOKEN = 'test-token-0123456789';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'alerts');
const fixtureText = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

async function botConfig(http: Record<string, unknown> = {}) {
  return {
    http: { listen: '127.0.0.1:0', token: TOKEN, ...http },
    // Nothing listens there: the adapter is never ready and nothing is delivered.
    irc: { host: '127.0.0.1', port: await freePort(), tls: false, channels: ['#ops', '#alerts'] },
    roles: { admin: ['console'] },
    alerts: {
      routes: [
        { match: { severity: 'critical' }, to: ['irc:#ops'], continue: true },
        { to: ['irc:#alerts'] },
      ],
    },
    logs: { default: ['irc:#logs'] },
  };
}

let t: TestBot;
let base: string;

beforeAll(async () => {
  t = await startTestBot(await botConfig());
  base = `http://127.0.0.1:${t.bot.http.port}`;
});
afterAll(async () => {
  await t?.stop();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const db = () => t.bot.core.db;

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  // fetch takes bytes as a Uint8Array (a Buffer is one, but not as the DOM types see it).
  const r = await fetch(base + path, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(base + path);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function outboxTexts(where: string, ...params: unknown[]): Promise<string[]> {
  return (await db().column<string>(`SELECT body FROM outbox WHERE ${where} ORDER BY id`, params)).map((b) => renderPlain(JSON.parse(b) as RichText));
}

const maxOutboxId = async () => (await db().value<number>('SELECT COALESCE(MAX(id), 0) FROM outbox'))!;

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('POST /api/v1/alerts/alertmanager', () => {
  it('accepts the captured payload: 202 with ids, alerts stored and routed', async () => {
    const before = await maxOutboxId();
    const r = await post('/api/v1/alerts/alertmanager', fixtureText('alertmanager-firing.json'));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({
      accepted: 2,
      alerts: [
        { id: expect.any(Number), fingerprint: 'f0cacca025ff1cb6', outcome: 'opened', posted: true },
        { id: expect.any(Number), fingerprint: '4dbace756ef84ad5', outcome: 'opened', posted: true },
      ],
    });
    const ids = (r.body.alerts as Array<{ id: number }>).map((a) => a.id);
    const rows = await db().all(`SELECT id, source, name, severity, status, host FROM alerts WHERE id IN (?, ?) ORDER BY id`, ids);
    expect(rows).toEqual([
      { id: ids[0], source: 'alertmanager', name: 'HighLoad', severity: 'warning', status: 'firing', host: 'db1' },
      { id: ids[1], source: 'alertmanager', name: 'DiskFull', severity: 'critical', status: 'firing', host: 'web01' },
    ]);
    expect(await db().column('SELECT channel FROM outbox WHERE id > ? ORDER BY id', [before])).toEqual(['irc:#alerts', 'irc:#ops', 'irc:#alerts']);

    // The resolved group closes them.
    const resolved = await post('/api/v1/alerts/alertmanager', fixtureText('alertmanager-resolved.json'));
    expect(resolved.status).toBe(202);
    expect((resolved.body.alerts as Array<{ id: number; outcome: string; posted: boolean }>).map((a) => [a.id, a.outcome, a.posted])).toEqual([
      [ids[0], 'resolved', true],
      [ids[1], 'resolved', true],
    ]);
    // Resolved again: stale, and not posted.
    const again = await post('/api/v1/alerts/alertmanager', fixtureText('alertmanager-resolved.json'));
    expect((again.body.alerts as Array<{ outcome: string; posted: boolean }>).map((a) => [a.outcome, a.posted])).toEqual([
      ['stale', false],
      ['stale', false],
    ]);
  });

  it('takes a body sent the way curl -d sends it (form content type)', async () => {
    const body = JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: { alertname: 'CurlTest', instance: 'web02:9100' } }] });
    const r = await post('/api/v1/alerts/alertmanager', body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(1);
  });
});

describe('POST /api/v1/alerts/grafana', () => {
  it('accepts the documented payload', async () => {
    const r = await post('/api/v1/alerts/grafana', fixtureText('grafana-firing.json'));
    expect(r.status).toBe(202);
    expect((r.body.alerts as Array<{ fingerprint: string; outcome: string }>).map((a) => [a.fingerprint, a.outcome])).toEqual([
      ['5f1c2b8e7a9d3c40', 'opened'],
      ['a03e6d914b27f58c', 'opened'],
    ]);
    const stored = await db().all("SELECT name, host, url FROM alerts WHERE source = 'grafana' ORDER BY id");
    expect(stored).toEqual([
      { name: 'HighCPU', host: 'web01', url: 'https://grafana.example.com/alerting/grafana/be8tq2wm1xkaoc/view?orgId=1' },
      { name: 'HighCPU', host: 'db1', url: 'https://grafana.example.com/alerting/grafana/be8tq2wm1xkaoc/view?orgId=1' },
    ]);
  });
});

describe('POST /api/v1/alerts (generic)', () => {
  it('accepts one alert and an array of alerts', async () => {
    const before = await maxOutboxId();
    const one = await post('/api/v1/alerts', JSON.stringify({ title: 'Backup failed', severity: 'error', host: 'db12', text: 'pg_dump exited 1', source: 'backup' }));
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ accepted: 1, alerts: [{ id: expect.any(Number), fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), outcome: 'opened', posted: true }] });
    const id = (one.body.alerts as Array<{ id: number }>)[0]!.id;
    expect(await db().get('SELECT source, name, severity, host, text FROM alerts WHERE id = ?', [id])).toEqual({ source: 'backup', name: 'Backup failed', severity: 'error', host: 'db12', text: 'pg_dump exited 1' });
    // A generic alert's title is its name; its text says what happened.
    expect(await outboxTexts('id > ?', before)).toEqual([`ERROR Backup failed on db12 — pg_dump exited 1 (#${id})`]);

    const many = await post('/api/v1/alerts', JSON.stringify([{ title: 'A', severity: 'info' }, { title: 'B', severity: 'critical', host: 'web10' }]));
    expect(many.status).toBe(202);
    expect(many.body.accepted).toBe(2);
  });

  it('concurrent requests each get their own answer, and all are stored', async () => {
    const before = (await db().value<number>('SELECT COUNT(*) FROM alerts'))!;
    const bodies = Array.from({ length: 25 }, (_, i) => JSON.stringify({ title: `Concurrent ${i}`, severity: i % 2 ? 'warning' : 'critical', host: `c${i}` }));
    // Two copies of one alert in flight together: one opens it, the other is counted.
    bodies.push(JSON.stringify({ title: 'Concurrent twin', severity: 'info' }), JSON.stringify({ title: 'Concurrent twin', severity: 'info' }));
    const results = await Promise.all([...bodies.map((b) => post('/api/v1/alerts', b)), post('/api/v1/alerts', '{"title":')]);
    expect(results.map((r) => r.status)).toEqual([...bodies.map(() => 202), 400]);
    const ids = results.slice(0, 25).map((r) => (r.body.alerts as Array<{ id: number; outcome: string }>)[0]!);
    expect(new Set(ids.map((a) => a.id)).size).toBe(25);
    expect(ids.every((a) => a.outcome === 'opened')).toBe(true);
    const twins = results.slice(25, 27).map((r) => (r.body.alerts as Array<{ id: number; outcome: string }>)[0]!);
    expect(twins[0]!.id).toBe(twins[1]!.id);
    expect(twins.map((a) => a.outcome).sort()).toEqual(['deduplicated', 'opened']);
    expect(await db().value('SELECT COUNT(*) FROM alerts')).toBe(before + 26);
    expect(await db().value("SELECT count FROM alerts WHERE name = 'Concurrent twin'")).toBe(2);
  });

  it('the same alert again is deduplicated', async () => {
    const body = JSON.stringify({ title: 'Cert expires soon', severity: 'warning', host: 'lb1' });
    const first = await post('/api/v1/alerts', body);
    const again = await post('/api/v1/alerts', body);
    const [a] = first.body.alerts as Array<{ id: number }>;
    expect(again.body.alerts).toEqual([{ id: a!.id, fingerprint: expect.any(String), outcome: 'deduplicated', posted: false }]);
    expect(await db().value('SELECT count FROM alerts WHERE id = ?', [a!.id])).toBe(2);
  });

  it('escalating to critical is posted at once, where critical alerts go', async () => {
    const first = await post('/api/v1/alerts', JSON.stringify({ title: 'Queue backing up', severity: 'warning', host: 'mq7' }));
    const [a] = first.body.alerts as Array<{ id: number }>;
    const before = await maxOutboxId();
    const worse = await post('/api/v1/alerts', JSON.stringify({ title: 'Queue backing up', severity: 'critical', host: 'mq7' }));
    expect(worse.body.alerts).toEqual([{ id: a!.id, fingerprint: expect.any(String), outcome: 'escalated', posted: true }]);
    expect(await db().column('SELECT channel FROM outbox WHERE id > ? ORDER BY id', [before])).toEqual(['irc:#ops', 'irc:#alerts']);
    expect(await db().value('SELECT severity FROM alerts WHERE id = ?', [a!.id])).toBe('critical');
  });

  it('a silenced alert is accepted but not posted; posted when the silence ends', async () => {
    const { alerts } = t.bot.core.services;
    const { silence } = await alerts.silence([{ key: 'alertname', op: '=', pattern: 'HttpSilenced' }], 3_600_000, 'test', null);
    const before = await maxOutboxId();
    const r = await post('/api/v1/alerts', JSON.stringify({ title: 'HttpSilenced', severity: 'critical' }));
    expect(r.status).toBe(202);
    expect(r.body.alerts).toEqual([{ id: expect.any(Number), fingerprint: expect.any(String), outcome: 'silenced', posted: false }]);
    expect(await maxOutboxId()).toBe(before);
    const id = (r.body.alerts as Array<{ id: number }>)[0]!.id;

    expect(await alerts.unsilence(silence.id, 'test')).toBe(true);
    expect(await db().column('SELECT channel FROM outbox WHERE id > ? ORDER BY id', [before])).toEqual(['irc:#ops', 'irc:#alerts']);
    expect(await outboxTexts('id > ?', before)).toEqual([`CRITICAL HttpSilenced (#${id})`, `CRITICAL HttpSilenced (#${id})`]);
  });

  it("a fingerprint is the sender's own: the same one from another source is another alert", async () => {
    const am = await post('/api/v1/alerts/alertmanager', fixtureText('alertmanager-firing.json'));
    const amId = (am.body.alerts as Array<{ id: number; fingerprint: string }>).find((a) => a.fingerprint === '4dbace756ef84ad5')!.id;
    const generic = await post('/api/v1/alerts', JSON.stringify({ title: 'Backup failed', severity: 'critical', host: 'db12', fingerprint: '4dbace756ef84ad5' }));
    expect(generic.body.alerts).toEqual([{ id: expect.any(Number), fingerprint: '4dbace756ef84ad5', outcome: 'opened', posted: true }]);
    const genericId = (generic.body.alerts as Array<{ id: number }>)[0]!.id;
    expect(genericId).not.toBe(amId);
    expect(await db().all("SELECT id, source, name FROM alerts WHERE fingerprint = '4dbace756ef84ad5' ORDER BY id")).toEqual([
      { id: amId, source: 'alertmanager', name: 'DiskFull' },
      { id: genericId, source: 'api', name: 'Backup failed' },
    ]);
    // Resolving the script's alert leaves Alertmanager's firing.
    const done = await post('/api/v1/alerts', JSON.stringify({ title: 'Backup failed', severity: 'critical', host: 'db12', fingerprint: '4dbace756ef84ad5', status: 'resolved' }));
    expect((done.body.alerts as Array<{ id: number; outcome: string }>)[0]).toMatchObject({ id: genericId, outcome: 'resolved' });
    expect(await db().value('SELECT status FROM alerts WHERE id = ?', [amId])).toBe('firing');
  });
});

describe('POST /api/v1/logs', () => {
  it('takes NDJSON', async () => {
    const lines = [
      { host: 'app03', level: 'error', message: 'upstream timed out' },
      { host: 'app03', level: 'WARNING', message: 'retrying', ts: '2026-11-25T11:59:00Z', source: 'nginx' },
    ];
    const before = await maxOutboxId();
    const r = await post('/api/v1/logs', lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { 'content-type': 'application/x-ndjson' });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 2, ids: [expect.any(Number), expect.any(Number)] });
    const ids = r.body.ids as number[];
    expect(await db().all('SELECT source, host, level, message, ts FROM log_lines WHERE id IN (?, ?) ORDER BY id', ids)).toEqual([
      { source: 'api', host: 'app03', level: 'error', message: 'upstream timed out', ts: null },
      { source: 'nginx', host: 'app03', level: 'warning', message: 'retrying', ts: '2026-11-25T11:59:00.000Z' },
    ]);
    expect(await outboxTexts('id > ?', before)).toEqual(['app03 ERROR upstream timed out', 'app03 WARNING retrying']);
  });

  it('takes NDJSON without a content type, with blank lines', async () => {
    const r = await post('/api/v1/logs', '{"host":"app04","level":"info","message":"a"}\n\n{"host":"app04","level":"info","message":"b"}', { 'content-type': '' });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(2);
  });

  it('takes NDJSON sent as application/json (not one JSON document)', async () => {
    const body = '{"host":"app06","level":"error","message":"a"}\n{"host":"app06","level":"info","message":"b"}\n';
    const r = await post('/api/v1/logs', body); // content-type: application/json
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 2, ids: [expect.any(Number), expect.any(Number)] });
    expect(await db().column('SELECT message FROM log_lines WHERE id IN (?, ?) ORDER BY id', (r.body.ids as number[]))).toEqual(['a', 'b']);
    // A JSON array over several lines is still one document.
    const arr = await post('/api/v1/logs', JSON.stringify([{ host: 'app06', level: 'info', message: 'c' }, { host: 'app06', level: 'info', message: 'd' }], null, 2));
    expect(arr.body.accepted).toBe(2);
    // Read as NDJSON, a bad line is named.
    const bad = await post('/api/v1/logs', '{"host":"app06","level":"info","message":"ok"}\n{not json}\n');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'line 2', error: expect.stringMatching(/^body is not valid JSON \(line 2\): /) });
    // One line that is not JSON stays a plain JSON error.
    const one = await post('/api/v1/logs', '{"host":"app06",');
    expect(one.status).toBe(400);
    expect(one.body).toEqual({ error: expect.stringMatching(/^body is not valid JSON: /) });
  });

  it('takes a JSON array, and a single JSON object', async () => {
    const arr = await post('/api/v1/logs', JSON.stringify([{ host: 'app05', level: 'debug', message: 'x' }, { host: 'app05', level: 'err', message: 'y' }]));
    expect(arr.status).toBe(202);
    expect(arr.body.accepted).toBe(2);
    const one = await post('/api/v1/logs', JSON.stringify({ host: 'app05', level: 'notice', message: 'z' }));
    expect(one.status).toBe(202);
    expect(one.body.accepted).toBe(1);
  });

  it('names the bad line or field, and stores nothing of a bad request', async () => {
    const count = async () => (await db().value<number>('SELECT COUNT(*) FROM log_lines'))!;
    const before = await count();
    const badJson = await post('/api/v1/logs', '{"host":"a","level":"info","message":"ok"}\n{not json}\n', { 'content-type': 'application/x-ndjson' });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ field: 'line 2', error: expect.stringMatching(/^body is not valid JSON \(line 2\): /) });

    const badLevel = await post('/api/v1/logs', JSON.stringify([{ host: 'a', level: 'info', message: 'ok' }, { host: 'a', level: 'loud', message: 'x' }]));
    expect(badLevel.status).toBe(400);
    expect(badLevel.body).toEqual({ field: '1.level', error: '1.level: expected a level such as error, warning, info or debug' });

    const noHost = await post('/api/v1/logs', JSON.stringify({ level: 'info', message: 'x' }));
    expect(noHost.body.field).toBe('0.host');
    const extra = await post('/api/v1/logs', JSON.stringify({ host: 'a', level: 'info', message: 'x', severity: 'high' }));
    expect(extra.status).toBe(400);
    expect(extra.body.field).toBe('0.severity');
    const empty = await post('/api/v1/logs', '\n\n', { 'content-type': 'application/x-ndjson' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/^empty body/);
    expect(await count()).toBe(before);
  });
});

describe('POST /api/v1/messages', () => {
  it('queues a plain message for a channel', async () => {
    const r = await post('/api/v1/messages', JSON.stringify({ channel: 'irc:#ops', text: 'deploy of app 1.2.3 starts' }));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ id: expect.any(Number), channel: 'irc:#ops' });
    expect(await outboxTexts('id = ?', r.body.id)).toEqual(['deploy of app 1.2.3 starts']);
  });

  it.each<[string, unknown, string]>([
    ['a bad channel', { channel: '#ops', text: 'x' }, 'channel'],
    ['no text', { channel: 'irc:#ops' }, 'text'],
    ['blank text', { channel: 'irc:#ops', text: '   ' }, 'text'],
    ['too long a text', { channel: 'irc:#ops', text: 'x'.repeat(4001) }, 'text'],
    ['an extra field', { channel: 'irc:#ops', text: 'x', priority: 9 }, 'priority'],
  ])('400 for %s, naming the field', async (_what, body, field) => {
    const r = await post('/api/v1/messages', JSON.stringify(body));
    expect(r.status).toBe(400);
    expect(r.body.field).toBe(field);
    expect(r.body.error).toEqual(expect.stringMatching(new RegExp(`^${field}: `)));
  });
});

describe('the bearer token', () => {
  const endpoints = ['/api/v1/alerts/alertmanager', '/api/v1/alerts/grafana', '/api/v1/alerts', '/api/v1/logs', '/api/v1/messages'];

  it.each(endpoints)('%s: 401 without a token, and nothing is stored', async (path) => {
    const before = await maxOutboxId();
    const r = await fetch(base + path, { method: 'POST', body: fixtureText('alertmanager-firing.json') });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await r.json()) as { error: string }).error).toMatch(/^missing bearer token/);
    expect(await maxOutboxId()).toBe(before);
  });

  it.each(endpoints)('%s: 401 with a wrong token', async (path) => {
    const r = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}x` }, body: '{}' });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await r.json()).toEqual({ error: 'invalid bearer token' });
  });

  it.each([
    ['another scheme', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
    ['the bare token', TOKEN],
    ['an empty bearer', 'Bearer '],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
  ])('401 for %s', async (_what, authorization) => {
    const r = await fetch(base + '/api/v1/alerts', { method: 'POST', headers: { authorization }, body: JSON.stringify({ title: 'x', severity: 'info' }) });
    expect(r.status).toBe(401);
  });

  it('the scheme is case-insensitive', async () => {
    const r = await post('/api/v1/alerts', JSON.stringify({ title: 'token case', severity: 'info' }), { authorization: `bearer ${TOKEN}` });
    expect(r.status).toBe(202);
  });

  it('reads need no token', async () => {
    expect((await fetch(base + '/api/v1/alerts')).status).toBe(200);
  });
});

describe('bad bodies', () => {
  it.each<[string, string, string | Buffer]>([
    ['/api/v1/alerts/alertmanager', 'truncated JSON', '{"version":"4","alerts":['],
    ['/api/v1/alerts/grafana', 'not JSON at all', 'status=firing'],
    ['/api/v1/alerts', 'invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b])],
    ['/api/v1/messages', 'a trailing comma', '{"channel":"irc:#ops","text":"x",}'],
  ])('%s: 400 for %s', async (path, _what, body) => {
    const r = await post(path, body);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^body is not valid JSON: /);
  });

  it('400 for an empty body', async () => {
    const r = await post('/api/v1/alerts', '');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'empty body: send JSON' });
  });

  it.each<[string, string, unknown, string]>([
    ['/api/v1/alerts/alertmanager', 'version "3"', JSON.parse(fixtureText('alertmanager-firing.json').replace('"version": "4"', '"version": "3"')), 'version'],
    ['/api/v1/alerts/alertmanager', 'a label with a number', { version: '4', alerts: [{ status: 'firing', labels: { alertname: 'X', port: 9100 } }] }, 'alerts.0.labels.port'],
    ['/api/v1/alerts/alertmanager', 'a bad status', { version: '4', alerts: [{ status: 'firing', labels: {} }, { status: 'ok', labels: {} }] }, 'alerts.1.status'],
    ['/api/v1/alerts/grafana', 'alerts as an object', { alerts: {} }, 'alerts'],
    ['/api/v1/alerts', 'no title', { severity: 'critical' }, 'title'],
    ['/api/v1/alerts', 'a misspelt key', { title: 'x', severity: 'critical', hots: 'web01' }, 'hots'],
    ['/api/v1/alerts', 'a bad item of an array', [{ title: 'x', severity: 'critical' }, { title: 'y', severity: 'loud' }], '1.severity'],
    ['/api/v1/alerts', 'a number', 42, ''],
  ])('%s: 400 for %s, with error and field', async (path, _what, body, field) => {
    const before = await db().value('SELECT COUNT(*) FROM alerts');
    const r = await post(path, JSON.stringify(body));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: expect.any(String), field });
    expect(await db().value('SELECT COUNT(*) FROM alerts')).toBe(before);
  });

  it('400 for more than 10,000 alerts, and none of them stored', async () => {
    const before = await db().value('SELECT COUNT(*) FROM alerts');
    const body = JSON.stringify(Array.from({ length: 10_001 }, (_, i) => ({ title: `storm ${i}`, severity: 'info' })));
    const r = await post('/api/v1/alerts', body);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'at most 10000 alerts per request', field: '' });
    expect(await db().value('SELECT COUNT(*) FROM alerts')).toBe(before);
  });
});

describe('routing errors', () => {
  it('404 for an unknown route', async () => {
    const r = await get('/api/v1/nope');
    expect(r).toEqual({ status: 404, body: { error: 'no route GET /api/v1/nope' } });
    expect((await post('/api/v2/alerts', '{}')).status).toBe(404);
  });

  it.each([
    ['DELETE', '/api/v1/alerts'],
    ['PUT', '/api/v1/alerts/alertmanager'],
    // A literal route wins over /api/v1/alerts/:id: these are not alert ids.
    ['GET', '/api/v1/alerts/alertmanager'],
    ['GET', '/api/v1/alerts/grafana'],
    ['GET', '/api/v1/logs'],
    ['GET', '/api/v1/messages'],
    ['POST', '/metrics'],
    ['POST', '/healthz'],
  ])('405 for %s %s', async (method, path) => {
    const r = await fetch(base + path, { method, headers: auth, ...(method !== 'GET' && { body: '{}' }) });
    expect(r.status).toBe(405);
    expect(await r.json()).toEqual({ error: `${method} is not allowed on ${path}` });
  });

  it('400 for broken percent-encoding in a path', async () => {
    const r = await get('/api/v1/alerts/%E0%A4%A');
    expect(r.status).toBe(400);
  });
});

describe('GET /api/v1/alerts', () => {
  let ids: number[];
  beforeAll(async () => {
    const r = await post(
      '/api/v1/alerts',
      JSON.stringify([
        { title: 'ListDisk', severity: 'critical', host: 'list01' },
        { title: 'ListLoad', severity: 'warning', host: 'list02' },
        { title: 'ListGone', severity: 'info', host: 'list01', source: 'listtest' },
      ]),
    );
    ids = (r.body.alerts as Array<{ id: number }>).map((a) => a.id);
    await post('/api/v1/alerts', JSON.stringify({ title: 'ListGone', severity: 'info', host: 'list01', source: 'listtest', status: 'resolved' }));
  });

  type List = { total: number; limit: number; offset: number; alerts: Array<{ id: number; name: string; status: string; host: string }> };
  const list = async (q: string) => {
    const r = await get(`/api/v1/alerts?${q}`);
    expect(r.status).toBe(200);
    return r.body as unknown as List;
  };

  it('firing alerts by default, newest first, with the total', async () => {
    const all = await list('');
    expect(all.limit).toBe(100);
    expect(all.offset).toBe(0);
    expect(all.total).toBe(await db().value("SELECT COUNT(*) FROM alerts WHERE status = 'firing'"));
    expect(all.alerts.every((a) => a.status === 'firing')).toBe(true);
    expect(all.alerts.map((a) => a.id)).not.toContain(ids[2]);
  });

  it('status, host (a glob), limit and offset', async () => {
    expect((await list('host=list01')).alerts.map((a) => a.name)).toEqual(['ListDisk']);
    expect((await list('host=list01&status=all')).alerts.map((a) => a.name).sort()).toEqual(['ListDisk', 'ListGone']);
    expect((await list('host=list*&status=resolved')).alerts.map((a) => a.name)).toEqual(['ListGone']);
    expect((await list('host=list*')).total).toBe(2);
    const page1 = await list('host=list*&status=all&limit=2');
    expect(page1).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page1.alerts).toHaveLength(2);
    const page2 = await list('host=list*&status=all&limit=2&offset=2');
    expect(page2).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page2.alerts).toHaveLength(1);
    expect(new Set([...page1.alerts, ...page2.alerts].map((a) => a.id))).toEqual(new Set(ids));
    expect((await list('host=list*&status=all&offset=50')).alerts).toEqual([]);
  });

  it('severity, name and since', async () => {
    expect((await list('host=list*&severity=warning')).alerts.map((a) => a.name)).toEqual(['ListLoad']);
    expect((await list('name=listd*')).alerts.map((a) => a.name)).toEqual(['ListDisk']);
    expect((await list('status=all&since=2000-01-01T00:00:00Z&host=list*')).total).toBe(3);
    expect((await list('status=all&since=2999-01-01T00:00:00Z')).total).toBe(0);
  });

  it.each([
    ['status=open', 'status'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=-1', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['since=last-week', 'since'],
    ['sort=id', 'sort'],
  ])('400 for %s, naming %s', async (q, field) => {
    const r = await get(`/api/v1/alerts?${q}`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: expect.any(String), field });
  });

  it('GET /api/v1/alerts/ID gives the alert and its history; 404 for an unknown id', async () => {
    const r = await get(`/api/v1/alerts/${ids[2]}`);
    expect(r.status).toBe(200);
    const body = r.body as { alert: { id: number; name: string; status: string; labels: Record<string, string> }; history: Array<{ kind: string }> };
    expect(body.alert).toMatchObject({ id: ids[2], name: 'ListGone', status: 'resolved', labels: { host: 'list01' } });
    expect(body.history.map((h) => h.kind)).toEqual(['resolved', 'first seen']);

    expect(await get('/api/v1/alerts/999999')).toEqual({ status: 404, body: { error: 'no alert #999999' } });
    expect(await get('/api/v1/alerts/abc')).toMatchObject({ status: 400, body: { field: 'id' } });
    expect(await get('/api/v1/alerts/0')).toMatchObject({ status: 400, body: { field: 'id' } });
  });
});

describe('GET /metrics', () => {
  it('counts accepted alerts by source and shows the outbox backlog per channel', async () => {
    const before = await (await fetch(base + '/metrics')).text();
    const series = 'opsbridge_alerts_accepted_total{source="alertmanager"}';
    const r1 = await post('/api/v1/alerts/alertmanager', fixtureText('alertmanager-firing.json'));
    const r2 = await post('/api/v1/alerts/alertmanager', JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: { alertname: 'MetricsTest', instance: 'm1:9100' } }] }));
    expect([r1.status, r2.status]).toEqual([202, 202]);

    const r = await fetch(base + '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await r.text();
    expect(metricValue(text, series)).toBe(metricValue(before, series) + 3);

    expect(text).toContain('# TYPE opsbridge_outbox_pending gauge');
    for (const channel of ['irc:#ops', 'irc:#alerts', 'irc:#logs']) {
      const pending = (await db().value<number>('SELECT COUNT(*) FROM outbox WHERE channel = ? AND delivered_at IS NULL AND undeliverable_at IS NULL AND condensed_into IS NULL', [channel]))!;
      expect(pending).toBeGreaterThan(0);
      expect(metricValue(text, `opsbridge_outbox_pending{channel="${channel}"}`)).toBe(pending);
    }
    expect(text).toMatch(/^opsbridge_log_lines_accepted_total\{source="api"\} \d+$/m);
  });
});

describe('a small body limit (http.max_body_bytes: 2048)', () => {
  let small: TestBot;
  let smallBase: string;
  beforeAll(async () => {
    small = await startTestBot(await botConfig({ max_body_bytes: 2048 }));
    smallBase = `http://127.0.0.1:${small.bot.http.port}`;
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('accepts a body under the limit', async () => {
    const r = await fetch(smallBase + '/api/v1/alerts/alertmanager', { method: 'POST', headers: auth, body: fixtureText('alertmanager-firing.json') });
    expect(r.status).toBe(202);
  });

  it('413 for a bigger body with a content-length', async () => {
    const r = await fetch(smallBase + '/api/v1/alerts/grafana', { method: 'POST', headers: auth, body: fixtureText('grafana-firing.json') });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({ error: 'request body over the limit of 2048 bytes' });
    expect(await small.bot.core.db.value("SELECT COUNT(*) FROM alerts WHERE source = 'grafana'")).toBe(0);
  });

  it('413 for a chunked body without a content-length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(smallBase + '/api/v1/logs', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The server may close the connection while we still write: that is fine once it answered.
      req.on('error', (err) => reject(err));
      const line = JSON.stringify({ host: 'app01', level: 'info', message: 'x'.repeat(200) }) + '\n';
      let sent = 0;
      const write = () => {
        while (sent < 40) {
          sent++;
          if (!req.write(line)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(status).toBe(413);
    expect(await small.bot.core.db.value('SELECT COUNT(*) FROM log_lines')).toBe(0);
  });

  it('still answers after the oversized requests, and counted only what it accepted', async () => {
    const r = await fetch(smallBase + '/healthz');
    expect(r.status).toBe(200);
    const metrics = await (await fetch(smallBase + '/metrics')).text();
    expect(metricValue(metrics, 'opsbridge_alerts_accepted_total{source="alertmanager"}')).toBe(2);
    expect(metrics).not.toContain('opsbridge_alerts_accepted_total{source="grafana"}');
    expect(metrics).not.toContain('opsbridge_log_lines_accepted_total{');
  });
});

describe('after all the garbage', () => {
  it('the bot still answers /healthz', async () => {
    const r = await fetch(base + '/healthz');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { status: string; outbox: number; chat: Record<string, { connected: boolean }> };
    // The IRC network is not there: degraded, not down, and everything kept.
    expect(body.status).toBe('degraded');
    expect(body.chat.irc!.connected).toBe(false);
    expect(body.outbox).toBe(await t.bot.core.outbox.pendingCount());
    expect(body.outbox).toBeGreaterThan(0);
  });
});

describe('bearer tokens longer than any accepted', () => {
  it('are refused without comparing, even when they start with the real token', async () => {
    const res = await fetch(`http://127.0.0.1:${t.bot.http.port}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}${'x'.repeat(600)}` },
      body: JSON.stringify({ title: 'x', severity: 'info' }),
    });
    expect(res.status).toBe(401);
  });
});
