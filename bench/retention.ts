import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { buildCore, type Core } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config/load.js';
import { importServers } from '../src/domain/servers/import.js';
import type { Sql } from '../src/store/sql.js';
import { RunningBot } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/ports.js';
import { TOKEN } from './bot.js';
import { generateCsv, hostName } from './servers.js';
import { fmtMs, summarize, timeMsAsync } from './stats.js';

/**
 * Issue 16's figures: a store filled with a simulated year (100k hosts, 1M
 * alerts with their events and outbox rows, 20M log lines, bulk-inserted with
 * the columns the services write), then `opsbridge start` on it with the
 * default retention. Reported: size on disk before and after, pruning time,
 * ingest p99 while pruning runs next to p99 without it, the bot's RSS, and
 * command and board latency at that size next to a store with only the hosts.
 * BENCH_LOG_LINES and BENCH_ALERTS scale the year down for a quick look.
 */
const HOSTS = 100_000;
const LOG_LINES = Number(process.env.BENCH_LOG_LINES ?? 20_000_000);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 1_000_000);
const YEAR = 365 * 86_400_000;
const ROWS_PER_INSERT = 100;
/** Ingest probes: one alert every 5 ms, the pace of a busy Alertmanager. */
const PROBE_EVERY_MS = 5;
/** How many different alerts the probes post. */
const PROBE_ALERTS = 500;

const silent = () => pino({ level: 'silent' });

export async function benchRetention(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-bench-retention-'));
  const database = join(dir, 'bot.db');
  const port = await freePort();
  const writeConfig = (name: string, extra: Record<string, unknown>, db = database) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({ database: db, timezone: 'UTC', log: { level: 'info' }, http: { listen: `127.0.0.1:${port}`, token: TOKEN }, ...extra }));
    return file;
  };
  const KEEP_ALL = { retention: { log_lines: 'keep', resolved_alerts: 'keep', delivered_outbox: 'keep', git_pushes: 'keep' } };
  const keepAll = writeConfig('keep', KEEP_ALL);
  // At debug level the pruner names each batch that took far over its budget.
  const defaults = writeConfig('defaults', { log: { level: 'debug' } });
  // The store with only the hosts is a copy, so the probes posted to it are not in the year.
  const hostsOnly = writeConfig('hosts-only', KEEP_ALL, join(dir, 'hosts-only.db'));
  console.log(`## retention: a simulated year (${HOSTS.toLocaleString('en')} hosts, ${ALERTS.toLocaleString('en')} alerts, ${LOG_LINES.toLocaleString('en')} log lines) on sqlite`);
  try {
    const names = Array.from({ length: 200 }, (_, k) => hostName(Math.floor(((k * 2654435761) % 2 ** 32) / 2 ** 32 * HOSTS)));
    let core = await openCore(keepAll);
    await importServers(core.services.inventory, generateCsv(HOSTS), 'csv', { actor: 'bench', source: 'bench.csv' });
    const fresh = await commandLatencies(core, names);
    await core.close();
    for (const ext of ['', '-wal']) if (existsSync(database + ext)) copyFileSync(database + ext, join(dir, 'hosts-only.db') + ext);
    const freshBot = await botFigures(hostsOnly, port, 'fresh');

    core = await openCore(keepAll);
    const fillMs = await timeMsAsync(() => fillYear(core.db));
    const fullCommands = await commandLatencies(core, names);
    const rowsBefore = await counts(core.db);
    await core.close();
    const sizeBefore = sizeOnDisk(database);
    console.log(`  filled in ${fmtMs(fillMs)}: ${describeCounts(rowsBefore)}; ${mb(sizeBefore)} on disk`);
    const fullBot = await botFigures(keepAll, port, 'a year, not pruning');

    // The default retention: the bot prunes as soon as it starts, under probing ingest.
    const bot = RunningBot.start(['-c', defaults, 'start'], { cwd: dir });
    let pruned: PruneLog | undefined;
    let rssMax = 0;
    const during: number[] = [];
    try {
      await bot.waitFor(/opsbridge is running/, 120_000);
      const probe = new Prober(port);
      const started = performance.now();
      while (!pruned) {
        during.push(await probe.one());
        rssMax = Math.max(rssMax, rss(bot));
        pruned = pruneLine(bot.stderr);
        if (performance.now() - started > 3_600_000) throw new Error('pruning did not finish within an hour');
      }
      probe.close();
    } finally {
      await bot.stop();
    }
    core = await openCore(keepAll);
    const rowsAfter = await counts(core.db);
    const afterCommands = await commandLatencies(core, names);
    await core.close();
    const sizeAfter = sizeOnDisk(database);
    const afterBot = await botFigures(keepAll, port, 'after pruning');

    const p = (xs: number[]) => summarize(xs);
    const row = (label: string, value: string) => console.log(`    ${(label + ':').padEnd(52)} ${value}`);
    console.log(`  pruning with the default retention (log lines 14d, resolved alerts 180d, delivered outbox 7d, git pushes 365d):`);
    row('pruning time (the bot\'s first run, at start)', `${fmtMs(pruned.ms)} (longest batch ${fmtMs(pruned.longestBatchMs)})`);
    row('batches over 3× their 2 ms budget, by sweep', slowBatches(bot.stderr));
    row('rows removed', Object.entries(pruned.deleted).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', '));
    row('left', describeCounts(rowsAfter));
    row('size on disk before → after', `${mb(sizeBefore)} → ${mb(sizeAfter)} (${pruned.freedPages.toLocaleString('en')} pages given back)`);
    console.log(`  ingest latency, one alert POST every ${PROBE_EVERY_MS} ms (median / p99):`);
    row('store with only the hosts', `${fmtMs(p(freshBot.ingest).median)} / ${fmtMs(p(freshBot.ingest).p99)}`);
    row('a year, no pruning', `${fmtMs(p(fullBot.ingest).median)} / ${fmtMs(p(fullBot.ingest).p99)}`);
    row(`a year, while pruning runs (${during.length.toLocaleString('en')} posts)`, `${fmtMs(p(during).median)} / ${fmtMs(p(during).p99)}`);
    console.log('  RSS of the running bot (target < 150 MB):');
    row('store with only the hosts', mb(freshBot.rss));
    row('a year, no pruning', mb(fullBot.rss));
    row('a year, highest while pruning', mb(rssMax));
    console.log('  latency, median / p99 (commands through the dispatcher; GET / over HTTP):');
    console.log(`    ${''.padEnd(52)} ${'hosts only'.padEnd(22)} ${'a year'.padEnd(22)} after pruning`);
    const cell = (xs: number[]) => `${fmtMs(p(xs).median)} / ${fmtMs(p(xs).p99)}`.padEnd(22);
    for (const k of Object.keys(fresh)) console.log(`    ${(k + ':').padEnd(52)} ${cell(fresh[k]!)} ${cell(fullCommands[k]!)} ${cell(afterCommands[k]!)}`);
    console.log(`    ${'board GET /:'.padEnd(52)} ${cell(freshBot.board)} ${cell(fullBot.board)} ${cell(afterBot.board)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openCore(config: string): Promise<Core> {
  return buildCore(loadConfig(config).config, { log: silent(), clock: systemClock });
}

/** Rows of one table, `ROWS_PER_INSERT` to a statement and 50,000 to a transaction. */
async function bulk(db: Sql, table: string, columns: string[], n: number, row: (i: number) => unknown[]): Promise<void> {
  const one = `(${columns.map(() => '?').join(', ')})`;
  const full = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: ROWS_PER_INSERT }, () => one).join(', ')}`;
  for (let start = 0; start < n; start += 50_000) {
    await db.tx(async () => {
      const end = Math.min(n, start + 50_000);
      for (let i = start; i < end; i += ROWS_PER_INSERT) {
        const k = Math.min(ROWS_PER_INSERT, end - i);
        const params = Array.from({ length: k }, (_, j) => row(i + j)).flat();
        await db.run(k === ROWS_PER_INSERT ? full : `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: k }, () => one).join(', ')}`, params);
      }
    });
  }
}

/** A year that ends now: every kind of row spread evenly over it, oldest first, as ingest writes them. */
export async function fillYear(db: Sql): Promise<void> {
  const start = Date.now() - YEAR;
  const at = (i: number, n: number) => new Date(start + Math.floor((i / n) * YEAR)).toISOString();
  const levels = ['info', 'info', 'info', 'notice', 'warning', 'err', 'debug'];
  const words = ['connection', 'timeout', 'refused', 'disk', 'full', 'retry', 'upstream', 'latency', 'kernel', 'oom', 'nginx', 'postgres'];
  await bulk(db, 'log_lines', ['source', 'host', 'level', 'message', 'ts', 'received_at', 'malformed'], LOG_LINES, (i) => {
    const t = at(i, LOG_LINES);
    return ['syslog', hostName(i % HOSTS), levels[i % levels.length], `${words[i % 12]} ${words[(i >> 3) % 12]} request ${i} took ${i % 997} ms`, t, t, 0];
  });
  // The search index, built in one pass as an upgrade's indexer would.
  if (db.engine === 'sqlite') await db.exec("INSERT INTO log_search (log_search) VALUES ('rebuild'); DELETE FROM log_search_pending;");
  // Alerts: each fired, lasted 30 minutes and resolved, except the last thousand, still firing.
  const firing = Math.min(1000, ALERTS);
  await bulk(db, 'alerts', ['fingerprint', 'source', 'name', 'severity', 'status', 'host', 'summary', 'labels', 'started_at', 'resolved_at', 'first_seen_at', 'last_seen_at', 'count', 'last_notified_at'], ALERTS, (i) => {
    const t = at(i, ALERTS);
    const end = new Date(Date.parse(t) + 1_800_000).toISOString();
    const open = i >= ALERTS - firing;
    return [`fp${i}`, 'alertmanager', ['DiskFull', 'HighLoad', 'Down'][i % 3], ['warning', 'critical'][i % 2], open ? 'firing' : 'resolved', hostName(i % HOSTS), `alert ${i}`, '{}', t, open ? null : end, t, open ? t : end, 2, t];
  });
  // Two events per alert (a repeat and its resolution) and one delivered outbox row per alert.
  await bulk(db, 'alert_events', ['alert_id', 'at', 'kind', 'actor', 'detail'], 2 * ALERTS, (i) => [Math.floor(i / 2) + 1, at(Math.floor(i / 2), ALERTS), i % 2 ? 'resolved' : 'repeat', null, null]);
  await bulk(db, 'outbox', ['channel', 'priority', 'body', 'created_at', 'delivered_at', 'attempts', 'kind', 'digest_key'], ALERTS, (i) => {
    const t = at(i, ALERTS);
    return ['irc:#alerts', 0, `[{"type":"text","text":"alert ${i}"}]`, t, t, 1, 'alert', `{"kind":"alert","id":${i + 1},"status":"firing","name":"DiskFull","severity":"warning","host":null}`];
  });
  await bulk(db, 'git_pushes', ['repo', 'ref', 'before_sha', 'after_sha', 'pusher', 'commits', 'received_at'], 20_000, (i) => ['app', 'refs/heads/main', sha(i), sha(i + 1), 'carol', 1, at(i, 20_000)]);
}

function sha(i: number): string {
  return i.toString(16).padStart(40, '0');
}

const COUNTED = ['log_lines', 'alerts', 'alert_events', 'outbox', 'git_pushes'] as const;

async function counts(db: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of COUNTED) out[t] = Number(await db.value(`SELECT COUNT(*) FROM ${t}`));
  return out;
}

function describeCounts(c: Record<string, number>): string {
  return Object.entries(c).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ');
}

function sizeOnDisk(database: string): number {
  return [database, `${database}-wal`].filter(existsSync).reduce((sum, f) => sum + statSync(f).size, 0);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Resident memory of the bot's process, from /proc. */
function rss(bot: RunningBot): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${bot.child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** What the bot logs (JSON on stderr) after a retention run that removed something. */
type PruneLog = { ms: number; longestBatchMs: number; deleted: Record<string, number>; freedPages: number };

/** The pruner's debug lines for batches far over budget, summed up per sweep: how many, and the longest. */
function slowBatches(stderr: string): string {
  const by = new Map<string, number[]>();
  for (const text of stderr.split('\n')) {
    if (!text.includes('a batch took far over its budget')) continue;
    const l = JSON.parse(text) as { sweep: string; ms: number };
    by.set(l.sweep, [...(by.get(l.sweep) ?? []), l.ms]);
  }
  return [...by].map(([sweep, ms]) => `${sweep} ${ms.length} (longest ${fmtMs(Math.max(...ms))})`).join(', ') || 'none';
}

/** The bot's log line for a finished retention run that removed something. */
function pruneLine(stderr: string): PruneLog | undefined {
  for (const text of stderr.split('\n')) {
    if (!text.includes('retention pruned old rows')) continue;
    return JSON.parse(text) as PruneLog;
  }
  return undefined;
}

async function commandLatencies(core: Core, names: string[]): Promise<Record<string, number[]>> {
  const time = async (lines: string[]) => {
    const out: number[] = [];
    for (const text of lines) {
      out.push(await timeMsAsync(async () => {
        const r = await core.dispatcher.handle({ platform: 'console', channel: 'console', user: { id: 'bench', name: 'bench', identity: 'console' }, text, receivedAt: new Date() });
        if (!r) throw new Error(`${text}: no reply`);
      }));
    }
    return out.slice(Math.floor(out.length / 10)); // the first tenth warms up
  };
  return {
    '!server NAME': await time(names.map((n) => `!server ${n}`)),
    '!alerts': await time(names.slice(0, 50).map(() => '!alerts')),
    '!logs HOST WORDS': await time(names.slice(0, 100).map((n, k) => `!logs ${n} ${['timeout', 'disk full', 'refused'][k % 3]}`)),
  };
}

/** GET / and paced ingest against `opsbridge start` on the store, and its RSS; the bot is stopped after. */
async function botFigures(config: string, port: number, label: string): Promise<{ board: number[]; ingest: number[]; rss: number }> {
  const bot = RunningBot.start(['-c', config, 'start'], { cwd: tmpdir() });
  try {
    await bot.waitFor(/opsbridge is running/, 120_000);
    const board: number[] = [];
    for (let i = 0; i < 22; i++) board.push(await timeMsAsync(() => fetchOk(port, '/')));
    const probe = new Prober(port);
    const ingest: number[] = [];
    for (let i = 0; i < 2000; i++) ingest.push(await probe.one());
    probe.close();
    const memory = rss(bot);
    if (memory === 0) throw new Error(`no RSS for the bot (${label})`);
    return { board: board.slice(2), ingest: ingest.slice(100), rss: memory };
  } finally {
    await bot.stop();
  }
}

function fetchOk(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${path}: ${res.statusCode}`))));
    }).on('error', reject).end();
  });
}

/** Posts one alert at a time on a keep-alive connection, no faster than one per PROBE_EVERY_MS; returns each one's latency. */
class Prober {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private next = performance.now();
  private i = 0;

  constructor(private readonly port: number) {}

  async one(): Promise<number> {
    const wait = this.next - performance.now();
    if (wait > 0) await sleep(wait);
    this.next = Math.max(this.next + PROBE_EVERY_MS, performance.now());
    // A few hundred alerts, each repeated, as Alertmanager re-sends what fires: the year's firing count stays what it was.
    const k = this.i++ % PROBE_ALERTS;
    const data = JSON.stringify({ title: `probe ${k}`, severity: 'warning', host: hostName(k) });
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, method: 'POST', path: '/api/v1/alerts', agent: this.agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`POST /api/v1/alerts: ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
    return performance.now() - t;
  }

  close(): void {
    this.agent.destroy();
  }
}
