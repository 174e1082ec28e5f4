import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { importServers } from '../src/domain/servers/import.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchBrowser } from '../test/helpers/browser.js';
import { freePort } from '../test/helpers/ports.js';
import { botProcess, TOKEN } from './bot.js';
import { generateCsv } from './servers.js';
import { fmtMs, summarize } from './stats.js';

/**
 * Issue 8's figure: time to first render of the status board's front page
 * with 1,000 and 100,000 hosts in the store (1 % of them with a firing
 * alert), from the real bot in its own process:
 * - HTTP: `GET /` to the last byte, fresh connection each time, beside a
 *   bare node:http server (separate process) sending a file of the same
 *   size, i.e. what the network path alone costs;
 * - Chromium (Debian's, headless, a fresh profile each load so nothing is
 *   cached): navigation timing and first contentful paint of `/`.
 */
const SIZES = [1_000, 100_000];
const RUNS = 5;

const BARE_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const file = process.argv[2];
http.createServer((req, res) => {
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(500); res.end(); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': data.length });
    res.end(data);
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

interface Fetched {
  status: number;
  body: Buffer;
  ttfbMs: number;
  totalMs: number;
}

/** One GET on a fresh connection: time to the first byte and to the last. */
function get(port: number, path: string): Promise<Fetched> {
  const agent = new Agent({ keepAlive: false });
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      let ttfbMs = -1;
      res.on('data', (c: Buffer) => {
        if (ttfbMs < 0) ttfbMs = performance.now() - t;
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ttfbMs, totalMs: performance.now() - t }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(port: number, path: string, body: unknown): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
}

const med = (xs: number[]) => summarize(xs).median;

/** The browser-side figures of one page load (evaluated in the page: plain JS). */
const TIMINGS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return { ttfb: nav.responseStart, responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : -1,
    tiles: document.querySelectorAll('a.tile').length, bytes: nav.transferSize };
})()`;

interface PaintTimes {
  ttfb: number;
  responseEnd: number;
  dcl: number;
  load: number;
  fcp: number;
  tiles: number;
  bytes: number;
}

async function boardAt(hosts: number, browser: Awaited<ReturnType<typeof launchBrowser>>): Promise<void> {
  // Alerts are routed to an IRC channel whose server is down: they wait in the outbox.
  const b = await botProcess('board', { alerts: { routes: [{ to: ['irc:#bench'] }] } }, { unreachableIrc: true });
  const children: { kill(): unknown }[] = [];
  try {
    // The store, filled before the bot starts, as `opsbridge servers import` would.
    const core = await b.core();
    const r = await importServers(core.services.inventory, generateCsv(hosts), 'csv', { actor: 'bench', source: 'bench.csv' });
    if (r.created !== hosts || r.rejected.length) throw new Error(`import created ${r.created}, rejected ${r.rejected.length}`);
    const names = await core.db.column<string>("SELECT name FROM servers WHERE status = 'working' ORDER BY id");
    await core.close();

    const port = b.port;
    await b.start(60_000);
    const firing = Math.round(hosts / 100);
    const severities = ['critical', 'warning', 'warning', 'error', 'info'];
    for (let i = 0; i < firing; i++) {
      const host = names[Math.floor((i * 2654435761) % names.length)]!;
      await post(port, '/api/v1/alerts', { title: i % 3 ? 'DiskFull' : 'HighLoad', severity: severities[i % severities.length], host, text: `bench alert ${i}` });
    }

    // HTTP: the bot's page, then a static copy of it from a bare server.
    const first = await get(port, '/');
    if (first.status !== 200) throw new Error(`GET / answered ${first.status}: is the status board wired into the bot? ${first.body.toString().slice(0, 200)}`);
    const copy = join(b.dir, 'board.html');
    writeFileSync(copy, first.body);
    const barePort = await freePort();
    const bare = spawn(process.execPath, ['-e', BARE_SERVER, String(barePort), copy]);
    children.push(bare);
    await new Promise<void>((resolve) => bare.stdout.once('data', () => resolve()));
    await get(barePort, '/');
    const botTimes: Fetched[] = [];
    const bareTimes: Fetched[] = [];
    for (let i = 0; i < RUNS; i++) {
      botTimes.push(await get(port, '/'));
      bareTimes.push(await get(barePort, '/'));
    }

    // Chromium: a fresh context (no cache, no cookies) per load.
    const paints: PaintTimes[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load', timeout: 60_000 });
      await page.waitForFunction("performance.getEntriesByName('first-contentful-paint').length > 0", undefined, { timeout: 10_000 }).catch(() => {});
      const p = (await page.evaluate(TIMINGS)) as PaintTimes;
      await context.close();
      if (i > 0) paints.push(p); // the first load warms the bot's and the browser's code up
    }

    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    const row = (label: string, ms: number, extra = '') => console.log(`    ${(label + ':').padEnd(50)} ${fmtMs(ms).padStart(10)}${extra}`);
    const tiles = paints[0]?.tiles ?? 0;
    console.log(`${hosts.toLocaleString('en')} hosts, ${firing.toLocaleString('en')} firing alerts — GET / is ${kb(first.body.length)} of HTML, ${tiles.toLocaleString('en')} tiles in the page:`);
    console.log(`  HTTP GET / to the last byte, median of ${RUNS} (fresh connection each):`);
    row('bare node:http, static file of the same size', med(bareTimes.map((x) => x.totalMs)), `   (first byte ${fmtMs(med(bareTimes.map((x) => x.ttfbMs)))})`);
    row('opsbridge, rendered from the store', med(botTimes.map((x) => x.totalMs)), `   (first byte ${fmtMs(med(botTimes.map((x) => x.ttfbMs)))})`);
    console.log(`  Chromium, / from navigation start, median of ${RUNS} (fresh profile each):`);
    row('HTML response complete', med(paints.map((x) => x.responseEnd)));
    row('first contentful paint', med(paints.map((x) => x.fcp)));
    row('DOMContentLoaded (script run)', med(paints.map((x) => x.dcl)));
    row('load', med(paints.map((x) => x.load)), hosts >= 100_000 ? '   (target < 1 s)' : '');
  } finally {
    for (const c of children) c.kill();
    await b.cleanup();
  }
}

export async function benchBoard(): Promise<void> {
  console.log(`## board: time to first render of the status board's front page (Chromium ${CHROMIUM_PATH} ${CHROMIUM_ARGS.join(' ')})`);
  const browser = await launchBrowser();
  try {
    for (const n of SIZES) await boardAt(n, browser);
  } finally {
    await browser.close();
  }
}
