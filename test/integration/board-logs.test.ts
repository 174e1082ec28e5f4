import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetView } from '../../src/domain/board/fleet-view.js';
import type { LogInput } from '../../src/domain/logs/service.js';
import { importServers } from '../../src/domain/servers/import.js';
import { logsPage } from '../../src/http/board/pages/logs.js';
import type { BoardContext, PageHandler } from '../../src/http/board/pages/page.js';
import { serverPage } from '../../src/http/board/pages/server.js';
import { startTestBot } from '../helpers/bot.js';
import { SAMPLE_CSV, testCore, type TestCore } from '../helpers/core.js';

/**
 * The board's /logs page, called directly on a real core (the engine
 * OPSBRIDGE_TEST_ENGINE names) with a fixed clock: rows newest first, the
 * filters as query parameters, pages, notices for what cannot be searched,
 * escaping, and the link from a host's page.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;

let core: TestCore;
beforeEach(async () => {
  core = await testCore();
  const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
});
afterEach(() => core.cleanup());

function ctx(query = '', params: Record<string, string> = {}): BoardContext {
  return { services: core.services, fleet: new FleetView(core.db), clock: core.clock, timezone: 'UTC', query: new URLSearchParams(query), params };
}

async function body(handler: PageHandler, query = '', params: Record<string, string> = {}): Promise<string> {
  const r = await handler(ctx(query, params));
  if (!r) throw new Error('the page answered null');
  return r.body.value;
}

function rowIds(page: string): number[] {
  return [...page.matchAll(/data-log="(\d+)"/g)].map((m) => Number(m[1]));
}

function notices(page: string): string[] {
  return [...page.matchAll(/<p class="notice" role="alert"><span class="pill sev-warning">!<\/span> (.*?)<\/p>/g)].map((m) => m[1]!);
}

const line = (host: string, message: string, level = 'info'): LogInput => ({ source: 'syslog', host, level, message });

/** Stores lines one second apart, ending `agoMs` before now. */
async function storeAgo(agoMs: number, ...lines: LogInput[]): Promise<number[]> {
  const start = core.clock.now().getTime();
  core.clock.set(new Date(start - agoMs - lines.length * 1000));
  const ids: number[] = [];
  for (const l of lines) {
    ids.push(...(await core.services.logs.ingest([l])));
    core.clock.advance(1000);
  }
  core.clock.set(new Date(start));
  return ids;
}

describe('/logs', () => {
  it("lists a host's lines newest first with time, level, host and message; the filters work as query parameters", async () => {
    const [old] = await storeAgo(3 * HOUR, line('web01', 'nginx: reload', 'notice'));
    const [a, b, , d] = await storeAgo(0, line('web01', 'nginx: upstream timed out', 'err'), line('WEB01', 'cron: job done'), line('db12', 'elsewhere'), line('web01.example.net', 'nginx: upstream timed out again', 'warning'));
    const page = await body(logsPage, 'host=Web01');
    expect(rowIds(page)).toEqual([d, b, a]);
    expect(page).toContain('<h1>Log lines from <a href="/servers/web01">web01</a></h1>');
    expect(page).toContain('<b>3</b> lines from web01 since <time datetime="2026-11-25T11:00:00.000Z">2026-11-25 11:00 UTC</time>');
    expect(page).toMatch(/<tr data-log="\d+">\s*<td><time datetime="2026-11-25T11:59:59.000Z">2026-11-25 11:59 UTC<\/time><\/td>\s*<td><span class="pill sev-warning">warning<\/span><\/td>\s*<td>web01.example.net<\/td>\s*<td>syslog<\/td>\s*<td class="pre">nginx: upstream timed out again<\/td>/);
    // A level word other than the severity's own name is shown beside it.
    expect(page).toContain('<span class="pill sev-error">error</span> <span class="muted">err</span>');

    expect(rowIds(await body(logsPage, 'host=web01&level=warning'))).toEqual([d, a]);
    expect(rowIds(await body(logsPage, 'host=web01&q=upstream+timed'))).toEqual([d, a]);
    expect(rowIds(await body(logsPage, 'host=web01&q=again'))).toEqual([d]);
    expect(rowIds(await body(logsPage, 'host=web01&since=6h'))).toEqual([d, b, a, old]);
    expect(rowIds(await body(logsPage, 'host=web01&since=2026-11-25T08:00'))).toEqual([d, b, a, old]);
    // Every host, each linking to its own lines.
    const all = await body(logsPage, 'q=elsewhere');
    expect(all).toContain('<a href="/logs?host=db12&amp;q=elsewhere">db12</a>');
    expect(all).toMatch(/<h1>Log lines<\/h1>/);
  });

  it('keeps the other filters in the since and level links and in the form', async () => {
    await storeAgo(0, line('web01', 'x'));
    const page = await body(logsPage, 'host=web01&level=error&q=disk+full&since=6h');
    expect(page).toContain('href="/logs?host=web01&amp;since=1d&amp;level=error&amp;q=disk+full"');
    expect(page).toContain('href="/logs?host=web01&amp;level=error&amp;q=disk+full"'); // since=1h, the default, is left out
    expect(page).toContain('href="/logs?host=web01&amp;since=6h&amp;level=warning&amp;q=disk+full"');
    expect(page).toContain('<input type="hidden" name="since" value="6h">');
    expect(page).toContain('<input type="hidden" name="level" value="error">');
    expect(page).toContain('<input type="search" name="q" value="disk full"');
    expect(page).toContain('<b aria-current="true">error+</b>');
  });

  it('pages by 50, newest first, with prev/next links keeping the filters', async () => {
    const ids = await storeAgo(0, ...Array.from({ length: 120 }, (_, i) => line('web10', `request ${i}`, 'err')));
    const newest = [...ids].reverse();
    const first = await body(logsPage, 'host=web10&level=error');
    expect(rowIds(first)).toEqual(newest.slice(0, 50));
    expect(first).toContain('page 1 of 3 (120)');
    expect(first).toContain('<a href="/logs?host=web10&amp;level=error&amp;page=2" rel="next">next ›</a>');
    expect(rowIds(await body(logsPage, 'host=web10&level=error&page=2'))).toEqual(newest.slice(50, 100));
    const last = await body(logsPage, 'host=web10&level=error&page=3');
    expect(rowIds(last)).toEqual(newest.slice(100));
    expect(last).toContain('<a href="/logs?host=web10&amp;level=error&amp;page=2" rel="prev">‹ prev</a>');
    expect(rowIds(await body(logsPage, 'host=web10&page=9'))).toEqual([]);
  });

  it('says what is wrong with a filter: a bad since or level is dropped, an unknown host or wordless search shows nothing', async () => {
    await storeAgo(0, line('web01', 'kept'));
    const badSince = await body(logsPage, 'host=web01&since=soon');
    expect(notices(badSince)).toEqual(['&#39;soon&#39; is not a duration or a time for since: use e.g. since=30m, since=2h, since=1d or since=2026-11-25T10:00']);
    expect(rowIds(badSince)).toHaveLength(1);
    const badLevel = await body(logsPage, 'host=web01&level=loud');
    expect(notices(badLevel)[0]).toMatch(/^unknown level &#39;loud&#39;/);
    expect(rowIds(badLevel)).toHaveLength(1);

    const unknown = await body(logsPage, 'host=web0l');
    expect(notices(unknown)).toEqual([expect.stringMatching(/^no host &#39;web0l&#39; in the inventory or the stored log lines — did you mean web01/)]);
    expect(rowIds(unknown)).toEqual([]);
    const wordless = await body(logsPage, 'host=web01&q=*+(+"');
    expect(notices(wordless)).toEqual(['search for words with letters or digits, e.g. timed out']);
    expect(rowIds(wordless)).toEqual([]);
    // FTS syntax in q is text.
    expect(rowIds(await body(logsPage, 'host=web01&q=kept+OR+NEAR(x'))).toEqual([]);
    expect(rowIds(await body(logsPage, 'host=web01&q="kept'))).toHaveLength(1);
  });

  it('with nothing in the window, points at the newest line', async () => {
    await storeAgo(5.5 * HOUR, line('web02', 'long ago'));
    const page = await body(logsPage, 'host=web02');
    expect(rowIds(page)).toEqual([]);
    expect(page).toContain('No lines. The newest line from web02 came in <time datetime="2026-11-25T06:29:59.000Z">2026-11-25 06:29 UTC</time>: <a href="/logs?host=web02&amp;since=6h">since 6h</a>.');
  });

  it('shows messages, hosts and levels as text', async () => {
    await storeAgo(0, line('<b>evil</b>', '<script>alert(1)</script> "><img src=x onerror=alert(1)>', '<i>err</i>'));
    const page = await body(logsPage, 'host=%3Cb%3Eevil%3C/b%3E&q=alert');
    expect(rowIds(page)).toHaveLength(1);
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>evil');
    expect(page).not.toContain('<i>err');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('value="&lt;b&gt;evil&lt;/b&gt;"');
  });

  it("a host's page links to its lines", async () => {
    const page = await body(serverPage, '', { name: 'web01' });
    expect(page).toContain('<a href="/logs?host=web01">Log lines from web01</a>');
  });
});

describe('/logs over HTTP, in a running bot', () => {
  it('shows lines posted to the API, which the bot indexes for words by itself', async () => {
    const TOKEN = 'api-token-0123456789';
    const t = await startTestBot({ http: { listen: '127.0.0.1:0', token: TOKEN }, logs: { default: [] } });
    try {
      const base = `http://127.0.0.1:${t.bot.http.port}`;
      const posted = await fetch(`${base}/api/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: 1500 }, (_, i) => ({ host: 'app07', level: 'error', message: `worker ${i}: out of memory` }))),
      });
      expect(posted.status).toBe(202);
      // No search asks for it: the indexer empties the queue on its own.
      const db = t.bot.core.db;
      const waiting = async () => Number(await db.value('SELECT COUNT(*) FROM log_search_pending'));
      for (let i = 0; i < 150 && (await waiting()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await waiting()).toBe(0);
      const r = await fetch(`${base}/logs?host=APP07&q=memory+worker+1499`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      const page = await r.text();
      expect(page).toMatch(/^<!doctype html>/);
      expect(rowIds(page)).toHaveLength(1);
      expect(page).toContain('worker 1499: out of memory');
    } finally {
      await t.stop();
    }
  });
});
