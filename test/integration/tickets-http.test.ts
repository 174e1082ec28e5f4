import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importServers } from '../../src/domain/servers/import.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { SAMPLE_CSV } from '../helpers/core.js';

/**
 * The read-only ticket API of the whole bot, over real HTTP: what a
 * dashboard or a script reads. Tickets are made through the ticket service,
 * as chat commands make them; the hosts come from the sample inventory.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOKEN = 'test-token-0123456789';
const SHA = '5d2c7a1e9b3f4a6c8d0e2f4a6b8c0d2e4f6a8b0c';

let t: TestBot;
let base: string;

const alice = { name: 'alice' };
const bob = { name: 'bob' };
const carol = { name: 'carol' };

beforeAll(async () => {
  t = await startTestBot({
    http: { listen: '127.0.0.1:0', token: TOKEN },
    roles: { admin: ['console'] },
    git: { repos: [{ name: 'app', default_branch: 'main', commit_url: 'https://git.example.com/app/commit/{sha}' }] },
  });
  base = `http://127.0.0.1:${t.bot.http.port}`;
  const r = await importServers(t.bot.core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);

  const { tickets, git } = t.bot.core.services;
  // #1 high, open, bob's, on db12.
  await tickets.create({ title: 'Disk full on db12', description: 'the /var partition filled up overnight', priority: 'high', reporter: alice, assignee: bob, hosts: ['db12'] });
  // #2 normal, in progress, alice's, on web01 and web02: commented, linked to a commit, watched by carol.
  await tickets.create({ title: 'HTTP 500s from web01', reporter: bob, assignee: alice, hosts: ['web01', 'web02'] });
  await tickets.comment(2, alice, 'restarted nginx, watching it');
  await tickets.setStatus(2, 'in_progress', alice);
  await git.ingest([{
    repo: 'app', ref: 'refs/heads/main', before: '0'.repeat(40), after: SHA, pusher: 'alice', forced: false,
    commits: [{ sha: SHA, author: 'alice', message: 'Restart nginx when it crashes\n\nrefs #2' }],
  }]);
  await tickets.watch(2, carol);
  // #3 normal, resolved, no host.
  await tickets.create({ title: 'Rotate TLS certificates', reporter: alice });
  await tickets.setStatus(3, 'resolved', alice, 'renewed with certbot');
  // #4 low, closed, on web01.
  await tickets.create({ title: 'Replace the fan in rack r12', priority: 'low', reporter: carol, hosts: ['web01'] });
  await tickets.setStatus(4, 'closed', carol);
  // #5 urgent, open, alice's, on db13.
  await tickets.create({ title: 'db13 powered off', priority: 'urgent', reporter: bob, assignee: alice, hosts: ['db13'] });
  // #6 normal, open, nobody's.
  await tickets.create({ title: 'Tune the log rotation', reporter: carol });
});
afterAll(async () => {
  await t?.stop();
});

async function get(path: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const r = await fetch(base + path);
  return { status: r.status, headers: r.headers, body: (await r.json()) as Json };
}

/** The ids a list answers, in its order, with its paging. */
async function list(query: string): Promise<{ total: number; limit: number; offset: number; ids: number[] }> {
  const r = await get(`/api/v1/tickets${query}`);
  expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
  return { total: r.body.total, limit: r.body.limit, offset: r.body.offset, ids: (r.body.tickets as Json[]).map((x) => x.id as number) };
}
const ids = async (query: string) => (await list(query)).ids;

async function badRequest(path: string): Promise<{ field: string; error: string }> {
  const r = await get(path);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(400);
  return { field: r.body.field, error: r.body.error };
}

describe('GET /api/v1/tickets', () => {
  it('lists every status by default, most urgent first, then oldest, with the ticket fields and hosts', async () => {
    const r = await get('/api/v1/tickets');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.body).toMatchObject({ total: 6, limit: 100, offset: 0 });
    const byId = new Map((r.body.tickets as Json[]).map((x) => [x.id, x]));
    expect([...byId.keys()]).toEqual([5, 1, 2, 3, 6, 4]);
    expect(byId.get(2)).toMatchObject({ title: 'HTTP 500s from web01', status: 'in_progress', priority: 'normal', reporter: 'bob', assignee: 'alice', hosts: ['web01', 'web02'], closed_at: null });
    expect(byId.get(1)).toMatchObject({ description: 'the /var partition filled up overnight', priority: 'high', hosts: ['db12'] });
    expect(byId.get(3)).toMatchObject({ status: 'resolved', hosts: [], closed_at: expect.any(String) });
    expect(await ids('?status=all')).toEqual([5, 1, 2, 3, 6, 4]);
  });

  it('filters by status', async () => {
    expect(await ids('?status=active')).toEqual([5, 1, 2, 6]);
    expect(await ids('?status=open')).toEqual([5, 1, 6]);
    expect(await ids('?status=in_progress')).toEqual([2]);
    expect(await ids('?status=resolved')).toEqual([3]);
    expect(await ids('?status=closed')).toEqual([4]);
  });

  it('filters by assignee, whatever the case', async () => {
    expect(await ids('?assignee=alice')).toEqual([5, 2]);
    expect(await ids('?assignee=ALICE')).toEqual([5, 2]);
    expect(await ids('?assignee=bob')).toEqual([1]);
    expect(await list('?assignee=nobody')).toEqual({ total: 0, limit: 100, offset: 0, ids: [] });
  });

  it('filters by host, by name or FQDN', async () => {
    expect(await ids('?host=web01')).toEqual([2, 4]);
    expect(await ids('?host=web02')).toEqual([2]);
    expect(await ids('?host=db12.example.net')).toEqual([1]);
    expect(await ids('?host=web10')).toEqual([]);
  });

  it('searches titles, descriptions, comments and status notes (q=), every word required, as prefixes', async () => {
    expect(await ids('?q=disk')).toEqual([1]);
    expect(await ids('?q=overnight')).toEqual([1]);
    expect(await ids('?q=nginx')).toEqual([2]);
    expect(await ids('?q=certbot')).toEqual([3]);
    expect(await ids('?q=cert')).toEqual([3]);
    expect(await ids('?q=db')).toEqual([5, 1]);
    expect(await ids('?q=disk%20overnight')).toEqual([1]);
    expect(await ids('?q=disk%20nginx')).toEqual([]);
    // Search syntax is text, not FTS5 operators.
    expect(await ids(`?q=${encodeURIComponent('"fan" OR disk*')}`)).toEqual([]);
    expect(await ids(`?q=${encodeURIComponent('fan*')}`)).toEqual([4]);
  });

  it('combines filters', async () => {
    expect(await ids('?status=open&assignee=alice')).toEqual([5]);
    expect(await ids('?status=closed&host=web01')).toEqual([4]);
    expect(await ids('?assignee=alice&host=web01')).toEqual([2]);
    expect(await ids('?status=active&q=db')).toEqual([5, 1]);
    expect(await ids('?status=open&assignee=alice&host=db13&q=powered')).toEqual([5]);
    expect(await ids('?status=resolved&assignee=alice')).toEqual([]);
  });

  it('pages with limit and offset, the total counting the whole match', async () => {
    expect(await list('?limit=2')).toEqual({ total: 6, limit: 2, offset: 0, ids: [5, 1] });
    expect(await list('?limit=2&offset=2')).toEqual({ total: 6, limit: 2, offset: 2, ids: [2, 3] });
    expect(await list('?offset=4&limit=2')).toEqual({ total: 6, limit: 2, offset: 4, ids: [6, 4] });
    expect(await list('?offset=6')).toEqual({ total: 6, limit: 100, offset: 6, ids: [] });
    expect(await list('?status=active&limit=3&offset=3')).toEqual({ total: 4, limit: 3, offset: 3, ids: [6] });
    expect(await list('?limit=1000')).toMatchObject({ total: 6, limit: 1000 });
  });

  it('answers 400 naming the parameter for an unknown parameter, a bad status, limit or offset, an unknown host, or a search without words', async () => {
    expect(await badRequest('/api/v1/tickets?sort=id')).toEqual({ field: 'sort', error: "unknown parameter 'sort' (parameters: status, assignee, host, q, limit, offset)" });
    expect(await badRequest('/api/v1/tickets?status=pending')).toEqual({ field: 'status', error: 'status must be one of active, all, open, in_progress, resolved, closed' });
    expect((await badRequest('/api/v1/tickets?status=')).field).toBe('status');
    expect((await badRequest('/api/v1/tickets?status=OPEN')).field).toBe('status');
    for (const v of ['0', '1001', 'abc', '-1', '1.5', '', '1e3']) {
      const r = await badRequest(`/api/v1/tickets?limit=${v}`);
      expect(r.field, v).toBe('limit');
      expect(r.error, v).toBe(`limit must be a whole number from 1 to 1000, got '${v}'`);
    }
    for (const v of ['-1', 'x', '']) {
      const r = await badRequest(`/api/v1/tickets?offset=${v}`);
      expect(r.field, v).toBe('offset');
      expect(r.error, v).toMatch(/^offset must be a whole number from 0 to/);
    }
    expect(await badRequest('/api/v1/tickets?host=web1')).toEqual({ field: 'host', error: "no server 'web1' — did you mean web01, web10?" });
    expect(await badRequest('/api/v1/tickets?host=nosuchhost')).toEqual({ field: 'host', error: "no server 'nosuchhost'" });
    for (const q of ['...', '!?', '-- #', '']) {
      expect(await badRequest(`/api/v1/tickets?q=${encodeURIComponent(q)}`), q).toEqual({ field: 'q', error: 'search for words: letters or digits, e.g. disk full' });
    }
    // A bad parameter among good ones is still named.
    expect((await badRequest('/api/v1/tickets?status=open&assignee=alice&limit=0')).field).toBe('limit');
  });
});

describe('GET /api/v1/tickets/N', () => {
  it('answers one ticket with its watchers, commits and timeline, oldest first', async () => {
    const r = await get('/api/v1/tickets/2');
    expect(r.status).toBe(200);
    expect(r.body.ticket).toMatchObject({ id: 2, title: 'HTTP 500s from web01', status: 'in_progress', reporter: 'bob', assignee: 'alice', hosts: ['web01', 'web02'] });
    expect(r.body.watchers).toEqual(['alice', 'bob', 'carol']);
    expect(r.body.commits).toEqual([
      {
        repo: 'app', sha: SHA, action: 'link', author: 'alice', subject: 'Restart nginx when it crashes',
        url: `https://git.example.com/app/commit/${SHA}`, linked_at: expect.any(String), closed_at: null,
      },
    ]);
    const timeline = r.body.timeline as Json[];
    expect(timeline.map((e) => `${e.kind} by ${e.actor}`)).toEqual(['created by bob', 'assign by bob', 'comment by alice', 'status by alice', 'commit by alice', 'watch by carol']);
    expect(timeline[1]).toMatchObject({ ticket_id: 2, new_value: 'alice' });
    expect(timeline[2]).toMatchObject({ body: 'restarted nginx, watching it' });
    expect(timeline[3]).toMatchObject({ old_value: 'open', new_value: 'in_progress' });
    expect(timeline[4]).toMatchObject({ repo: 'app', sha: SHA, body: 'alice: Restart nginx when it crashes (app/main)' });
    expect(timeline.map((e) => e.id)).toEqual([...timeline.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('takes #N spelled in the path (%23)', async () => {
    const r = await get('/api/v1/tickets/%232');
    expect(r.status).toBe(200);
    expect(r.body.ticket.id).toBe(2);
  });

  it('answers 404 for a ticket that does not exist', async () => {
    const r = await get('/api/v1/tickets/999');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'no ticket #999' });
  });

  it('answers 400 naming the id for one that is not a ticket number', async () => {
    for (const id of ['abc', '0', '-1', '2.5', '1e2']) {
      const r = await badRequest(`/api/v1/tickets/${id}`);
      expect(r.field, id).toBe('id');
      expect(r.error, id).toMatch(new RegExp(`^id must be a whole number from 1 to \\d+, got '${id.replace('.', '\\.')}'$`));
    }
  });
});

describe('methods', () => {
  it('answers HEAD like GET, without a body', async () => {
    for (const [path, status] of [['/api/v1/tickets', 200], ['/api/v1/tickets?status=open', 200], ['/api/v1/tickets/2', 200], ['/api/v1/tickets/999', 404], ['/api/v1/tickets?sort=id', 400]] as const) {
      const r = await fetch(base + path, { method: 'HEAD' });
      expect(r.status, path).toBe(status);
      expect(r.headers.get('content-type'), path).toBe('application/json; charset=utf-8');
      expect(await r.text(), path).toBe('');
    }
  });

  it('is read-only: other methods are 405 and change nothing', async () => {
    const before = await t.bot.core.db.value('SELECT COUNT(*) FROM tickets');
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    for (const [method, path] of [['POST', '/api/v1/tickets'], ['POST', '/api/v1/tickets/1'], ['PUT', '/api/v1/tickets/1'], ['PATCH', '/api/v1/tickets/1'], ['DELETE', '/api/v1/tickets/1']] as const) {
      const r = await fetch(base + path, { method, headers: auth, body: JSON.stringify({ title: 'new ticket', status: 'closed' }) });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(((await r.json()) as Json).error).toBe(`${method} is not allowed on ${path}`);
    }
    expect(await t.bot.core.db.value('SELECT COUNT(*) FROM tickets')).toBe(before);
    expect((await t.bot.core.services.tickets.get(1))!.status).toBe('open');
  });
});
