import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { importServers } from '../../src/domain/servers/import.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';

/** The board over real HTTP: pages, assets, the live-update stream, access control, and what the headers promise. */

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function bot(config: Record<string, unknown> = {}): Promise<string> {
  t = await startTestBot({ http: { listen: '127.0.0.1:0', token: 'api-token-0123456789' }, ...config });
  await importServers(t.bot.core.services.inventory, 'name,service,roles,status,notes\nweb01,shop,web,working,<b>hi</b>\ndb1,shop,db,maintenance,\n', 'csv', { actor: 't', source: 't' });
  return `http://127.0.0.1:${t.bot.http.port}`;
}

describe('status board over HTTP', () => {
  it('serves every page as HTML with a strict Content-Security-Policy, and its script and stylesheet', async () => {
    const base = await bot();
    const sections = { '/': 'Fleet', '/alerts': 'Alerts', '/maintenance': 'Maintenance', '/tickets': 'Tickets', '/logs': 'Logs' } as Record<string, string>;
    for (const path of ['/', '/servers/web01', '/alerts', '/maintenance', '/tickets', '/logs', '/logs?host=web01']) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy'), path).toMatch(/script-src 'self'/);
      expect(r.headers.get('content-security-policy'), path).not.toMatch(/unsafe-inline/);
      const body = await r.text();
      expect(body, path).toMatch(/^<!doctype html>/);
      expect(body, path).toContain('<script src="/board.js" defer></script>');
      // Every section is in the header, the page's own marked as current.
      const current = path.startsWith('/servers/') ? 'Fleet' : sections[path.split('?')[0]!];
      for (const [href, label] of Object.entries(sections)) expect(body, path).toContain(`<a href="${href}"${current === label ? ' aria-current="page"' : ''}>${label}</a>`);
    }
    expect((await fetch(base + '/servers/web01').then((r) => r.text()))).toContain('&lt;b&gt;hi&lt;/b&gt;');
    const js = await fetch(base + '/board.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("new EventSource('/events')");
    expect((await fetch(base + '/board.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers a live update with only the page content, and an unknown host or ticket with a 404 page', async () => {
    const base = await bot();
    const fragment = await fetch(base + '/', { headers: { 'x-board-fragment': '1' } }).then((r) => r.text());
    expect(fragment).not.toMatch(/<html|<head/);
    expect(fragment).toContain('id="filter"');
    for (const path of ['/servers/nope', '/tickets/999', '/alerts/abc']) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(404);
      expect(await r.text(), path).toContain('Not found');
    }
    // The API keeps answering JSON, and writes to board paths are not allowed.
    expect((await fetch(base + '/api/v1/servers')).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await fetch(base + '/', { method: 'POST' })).status).toBe(405);
  });

  it('streams "change" when the store changes, from this process or another', async () => {
    const base = await bot();
    const events: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(base + '/events', (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          events.push(...chunk.split('\n\n').filter(Boolean));
          if (events.some((e) => e.startsWith('event: change'))) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (err) => (events.length ? undefined : reject(err)));
      req.end();
    });
    // Once the stream said hello, a status change arrives as "change".
    while (!events.some((e) => e.includes('event: hello'))) await new Promise((r) => setTimeout(r, 20));
    await t!.bot.core.services.inventory.setStatus((await t!.bot.core.services.inventory.get('web01'))!.id, 'standby', 'test', 'failover');
    await done;
    expect(events[0]).toMatch(/^retry: 3000\nevent: hello\ndata: /);
  });

  it('with board.token: refused without it, admitted with ?token= (then by cookie) or Bearer; the stream too', async () => {
    const base = await bot({ board: { token: 'board-token-0123456789' } });
    const refused = await fetch(base + '/');
    expect(refused.status).toBe(401);
    expect((await fetch(base + '/events')).status).toBe(401);
    expect((await fetch(base + '/?token=wrong-token-0123456789')).status).toBe(401);
    const first = await fetch(base + '/?token=board-token-0123456789');
    expect(first.status).toBe(200);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^opsbridge_board=board-token-0123456789; Path=\/; HttpOnly; SameSite=Strict$/);
    expect((await fetch(base + '/tickets', { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
    expect((await fetch(base + '/alerts', { headers: { authorization: 'Bearer board-token-0123456789' } })).status).toBe(200);
    // The API's reads are not the board's business.
    expect((await fetch(base + '/api/v1/servers')).status).toBe(200);
  });

  it('with board.basic: a browser login, asked for with WWW-Authenticate', async () => {
    const base = await bot({ board: { basic: { user: 'ops', password: 'correct horse' } } });
    const r = await fetch(base + '/');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="opsbridge", charset="UTF-8"');
    const login = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    expect((await fetch(base + '/', { headers: login('ops', 'wrong') })).status).toBe(401);
    expect((await fetch(base + '/', { headers: { authorization: 'Basic !!!' } })).status).toBe(401);
    expect((await fetch(base + '/', { headers: login('ops', 'correct horse') })).status).toBe(200);
  });

  it('board.enabled: false serves no pages', async () => {
    const base = await bot({ board: { enabled: false } });
    expect((await fetch(base + '/')).status).toBe(404);
    expect((await fetch(base + '/events')).status).toBe(404);
  });
});
