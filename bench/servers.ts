import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../src/app.js';
import { renderPlain } from '../src/chat/render/plain.js';
import { importServers } from '../src/domain/servers/import.js';
import { benchCore } from './bot.js';
import { benchDatabase, benchEngine } from './store.js';
import { fmtMs, summarize, timeMsAsync } from './stats.js';

/**
 * Issue 2's figures: importing 100,000 generated hosts, and `!server`
 * lookups by name, IP and glob through the same dispatcher chat uses.
 * Baseline: the bare prepared-statement lookup by name on the same database,
 * i.e. what SQLite alone costs.
 */
const HOSTS = 100_000;
const LOOKUPS = 5_000;
const ROLES = ['web', 'app', 'db', 'cache', 'lb', 'batch', 'mq', 'search'];
/** Issue 16's filters: each an index range, which a 100,000-host scan was not. */
const FILTERS = ['!servers role=db:master', '!servers service=svc7', '!servers status=standby', '!servers tag=t3', '!servers dc=dc2 status=working', '!servers'];
const FILTER_RUNS = 200;

export function generateCsv(n: number): string {
  const lines = ['name,fqdn,ips,roles,service,dc,rack,status,cpu,memory_gb,model,os,tags,notes'];
  const statuses = ['working', 'working', 'working', 'working', 'standby', 'maintenance', 'poweroff', 'retired'];
  for (let i = 0; i < n; i++) {
    const role = ROLES[i % ROLES.length]!;
    const name = hostName(i);
    const ip = ipOf(i);
    lines.push(
      [name, `${name}.example.net`, `${ip} 2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`, `blog:${role} ${role}:${i % 2 ? 'slave' : 'master'}`, `svc${i % 50}`, `dc${i % 6}`, `r${i % 400}`, statuses[i % statuses.length], 8 << (i % 4), 16 << (i % 5), 'Dell R640', 'Debian 12', `t${i % 10} fleet`, ''].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function hostName(i: number): string {
  return `${ROLES[i % ROLES.length]}${String(i).padStart(6, '0')}`;
}

function ipOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

function lookups(core: Core, queries: string[]): Promise<number[]> {
  return commandTimes(core, queries.map((q) => `!server ${q}`));
}

async function commandTimes(core: Core, lines: string[]): Promise<number[]> {
  const samples: number[] = [];
  for (const text of lines) {
    samples.push(
      await timeMsAsync(async () => {
        const r = await core.dispatcher.handle({ platform: 'console', channel: 'console', user: { id: 'bench', name: 'bench', identity: 'console' }, text, receivedAt: new Date() });
        if (!r?.ok) throw new Error(`${text} failed`);
      }),
    );
  }
  return samples;
}

/** How many hosts a `!servers` line counts, from its answer's first words. */
async function matching(core: Core, text: string): Promise<string> {
  const r = await core.dispatcher.handle({ platform: 'console', channel: 'console', user: { id: 'bench', name: 'bench', identity: 'console' }, text, receivedAt: new Date() });
  if (!r?.ok) throw new Error(`${text} failed`);
  return /^(\d+) server/.exec(renderPlain(r.body))?.[1] ?? '0';
}

export async function benchServers(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-bench-'));
  try {
    const csv = generateCsv(HOSTS);
    console.log(`## servers on ${benchEngine()}: ${HOSTS.toLocaleString('en')} generated hosts (${(csv.length / 1e6).toFixed(1)} MB CSV)`);

    const importTimes: number[] = [];
    let core: Core | undefined;
    for (let run = 0; run < 3; run++) {
      await core?.close();
      core = await benchCore(await benchDatabase(dir, `import${run}`));
      const c = core;
      importTimes.push(await timeMsAsync(async () => {
        const r = await importServers(c.services.inventory, csv, 'csv', { actor: 'bench', source: 'bench.csv' });
        if (r.created !== HOSTS || r.rejected.length) throw new Error(`import created ${r.created}, rejected ${r.rejected.length}`);
      }));
    }
    console.log(`import into an empty store: median ${fmtMs(summarize(importTimes).median)} of 3 runs (target < 5 s)`);
    const reimport = await timeMsAsync(() => importServers(core!.services.inventory, csv, 'csv', { actor: 'bench', source: 'bench.csv' }));
    console.log(`re-import, all unchanged:   ${fmtMs(reimport)}`);

    const rnd = (k: number) => Math.floor(((k * 2654435761) % 2 ** 32) / 2 ** 32 * HOSTS);
    const names = Array.from({ length: LOOKUPS }, (_, k) => hostName(rnd(k + 1)));
    const ips = Array.from({ length: LOOKUPS }, (_, k) => ipOf(rnd(k + 7)));
    const globs = Array.from({ length: 500 }, (_, k) => `${hostName(rnd(k + 3)).slice(0, -2)}*`);
    const wideGlobs = Array.from({ length: 50 }, (_, k) => `${ROLES[k % ROLES.length]}*`);

    // The baseline is the same SELECT straight through the store, without the bot around it.
    const db = core!.db;
    const byName = (n: string) => db.get('SELECT * FROM servers WHERE name = ? COLLATE NOCASE', [n]);
    // Warm up the JIT and the page cache for both sides before measuring.
    for (const n of names.slice(0, 500)) await byName(n);
    await lookups(core!, names.slice(0, 500));
    const baseline: number[] = [];
    for (const n of names) baseline.push(await timeMsAsync(() => byName(n)));
    const rows: [string, number[]][] = [
      [`baseline: bare ${db.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} SELECT by name`, baseline],
      ['!server NAME', await lookups(core!, names)],
      ['!server IP', await lookups(core!, ips)],
      ['!server GLOB (web0123*, ~100 hosts)', await lookups(core!, globs)],
      ['!server GLOB (web*, 12,500 hosts)', await lookups(core!, wideGlobs)],
    ];
    const filterTimes = FILTERS.map((): number[] => []);
    for (const [f, text] of FILTERS.entries()) rows.push([`${text} (${await matching(core!, text)} hosts)`, filterTimes[f]!]);
    // Interleaved, so a slow patch of the machine falls on every filter alike.
    for (let k = 0; k < FILTER_RUNS; k++) {
      for (const [f, text] of FILTERS.entries()) filterTimes[f]!.push(...(await commandTimes(core!, [text])));
    }
    console.log('lookup latency, in-process through the chat dispatcher (target p99 < 1 ms by name or IP on SQLite, < 2 ms on PostgreSQL; !servers filters < 5 ms):');
    for (const [label, samples] of rows) {
      const s = summarize(samples);
      console.log(`  ${label.padEnd(48)} median ${fmtMs(s.median).padStart(9)}   p99 ${fmtMs(s.p99).padStart(9)}   (n=${s.n})`);
    }
    await core!.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
