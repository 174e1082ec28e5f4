import { createSocket } from 'node:dgram';
import Database from 'better-sqlite3';
import { connectRawClient } from '../test/helpers/irc-network.js';
import { startNgircd } from '../test/helpers/ngircd.js';
import { freePort } from '../test/helpers/ports.js';
import { botProcess, startBenchBot, TOKEN } from './bot.js';
import { postRate, startBareServer } from './http-load.js';
import { fmtMs, summarize } from './stats.js';

/**
 * Issue 5's figures:
 * - HTTP ingest: generic alerts per second, keep-alive, 2 concurrent
 *   clients, into the real bot (a separate process, each alert committed
 *   before its 202) beside a bare node:http server in a separate process that
 *   reads and parses the same requests and answers 202;
 * - syslog over UDP: lines per second parsed and stored, and how many were lost;
 * - POST to IRC: from the request to the line reaching a client through ngircd.
 */
const INGEST_ALERTS = 5_000;
/** Alerts in one Alertmanager notification of the grouped run. */
const GROUP = 10;
const RUNS = 3;

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function ingest(): Promise<void> {
  // Alerts are routed to an IRC channel whose server is down: the outbox
  // rows are written (ingest's whole job) and wait there for delivery.
  const b = await botProcess('alerts', { alerts: { routes: [{ to: ['irc:#bench'] }] } }, { unreachableIrc: true });
  try {
    await b.start();
    const bare = await startBareServer();
    const barePort = bare.port;

    let seq = 0;
    const generic = () => JSON.stringify({ title: 'DiskFull', severity: 'warning', host: `web${seq++}`, text: 'disk / is 91% full' });
    // What Alertmanager sends for a group: version 4, several alerts per request.
    const group = () =>
      JSON.stringify({
        version: '4', status: 'firing', receiver: 'opsbridge', groupKey: '{}:{alertname="DiskFull"}', externalURL: 'http://alertmanager:9093',
        alerts: Array.from({ length: GROUP }, () => ({
          status: 'firing', labels: { alertname: 'DiskFull', instance: `web${seq++}:9100`, severity: 'warning' },
          annotations: { summary: 'disk / is 91% full' }, startsAt: '2026-11-25T12:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph',
        })),
      });
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [what, path, body, perRequest] of [
      ['one generic alert per request (POST /api/v1/alerts)', '/api/v1/alerts', generic, 1],
      [`Alertmanager groups of ${GROUP} (POST /api/v1/alerts/alertmanager)`, '/api/v1/alerts/alertmanager', group, GROUP],
    ] as const) {
      const requests = INGEST_ALERTS / perRequest;
      await postRate(barePort, path, requests / 10, 2, body);
      await postRate(b.port, path, requests / 10, 2, body);
      const bareRates: number[] = [];
      const botRates: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        bareRates.push((await postRate(barePort, path, requests, 2, body)) * perRequest);
        botRates.push((await postRate(b.port, path, requests, 2, body)) * perRequest);
      }
      console.log(`HTTP ingest, ${what}: ${INGEST_ALERTS} new alerts per run, keep-alive, 2 clients, median of ${RUNS} runs:`);
      console.log(`  bare node:http server (parse, 202):   ${med(bareRates).toFixed(0)} alerts/s`);
      console.log(`  opsbridge (stored + routed, 202):     ${med(botRates).toFixed(0)} alerts/s`);
      console.log(`  ratio: ${(med(botRates) / med(bareRates)).toFixed(2)} (target ≥ 0.5)`);
    }
    await bare.stop();
  } finally {
    await b.cleanup();
  }
}

async function syslogUdp(): Promise<void> {
  const udpPort = await freePort();
  const b = await botProcess('syslog', { syslog: { udp: `127.0.0.1:${udpPort}` }, logs: { default: [] } });
  try {
    await b.start();
    const db = new Database(b.database, { readonly: true });
    const stored = () => db.prepare('SELECT COUNT(*) FROM log_lines').pluck().get() as number;
    const sock = createSocket('udp4');
    const line = (i: number) => Buffer.from(`<131>1 2026-11-25T16:07:29.980753+00:00 app03 nginx 4242 - - upstream timed out while reading response header, request ${i}`);

    console.log('syslog over UDP (RFC 5424 lines from one sender, stored in SQLite; the bot in its own process):');
    for (const rate of [5_000, 20_000, 0]) {
      const n = rate === 0 ? 50_000 : rate * 3;
      const before = stored();
      const t = performance.now();
      for (let i = 0; i < n; i++) {
        await new Promise<void>((r) => sock.send(line(i), udpPort, '127.0.0.1', () => r()));
        // Paced sending: wait whenever we are ahead of the target rate.
        if (rate > 0 && i % 100 === 99) {
          const ahead = (i + 1) / rate * 1000 - (performance.now() - t);
          if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
        }
      }
      const sent = performance.now() - t;
      let last = -1;
      await waitUntil(() => {
        const now = stored() - before;
        const done = now === n || now === last;
        last = now;
        return done;
      }, 10_000);
      const got = stored() - before;
      const elapsed = performance.now() - t;
      console.log(
        `  ${rate === 0 ? 'as fast as one sender can' : `offered ${rate}/s`}: sent ${n} in ${fmtMs(sent)}, stored ${got} at ${(got / (elapsed / 1000)).toFixed(0)} lines/s, lost ${(((n - got) / n) * 100).toFixed(2)}%`,
      );
    }
    sock.close();
    db.close();
  } finally {
    await b.cleanup();
  }
}

async function postToIrc(): Promise<void> {
  const server = await startNgircd();
  const t = await startBenchBot({
    http: { listen: '127.0.0.1:0', token: TOKEN },
    irc: { host: '127.0.0.1', port: server.port, tls: false, channels: ['#alerts'], flood: { burst: 2_000, rate: 2_000 } },
    alerts: { routes: [{ to: ['irc:#alerts'] }] },
  });
  const watcher = await connectRawClient(server.port, 'watcher');
  watcher.send('JOIN #alerts');
  await watcher.waitFor(/JOIN :?#alerts/);
  const samples: number[] = [];
  for (let i = 0; i < 550; i++) {
    const since = watcher.lines.length;
    const start = performance.now();
    const res = await fetch(`http://127.0.0.1:${t.bot.http.port}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ title: `Latency${i}`, severity: 'warning', host: 'web01' }),
    });
    if (res.status !== 202) throw new Error(`status ${res.status}`);
    await watcher.waitFor(new RegExp(`Latency${i}\\b`), 10_000, since);
    if (i >= 50) samples.push(performance.now() - start);
  }
  const s = summarize(samples);
  console.log(`POST /api/v1/alerts → line at an IRC client through ngircd (${s.n} alerts, one at a time): median ${fmtMs(s.median)}, p99 ${fmtMs(s.p99)}`);
  await watcher.close();
  await t.stop();
  await server.stop();
}

export async function benchAlerts(): Promise<void> {
  console.log('\n## Alerts and logs');
  await ingest();
  await syslogUdp();
  await postToIrc();
}
