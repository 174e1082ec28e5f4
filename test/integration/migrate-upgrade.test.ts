import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { Inventory } from '../../src/domain/servers/inventory.js';
import type { ServerFilter } from '../../src/domain/servers/model.js';
import { TicketStore } from '../../src/domain/tickets/store.js';
import { migrationsDir } from '../../src/paths.js';
import { openSqlite, type SqliteSql as DB } from '../../src/store/sqlite.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';

/**
 * A database made by the oldest schema and upgraded one migration at a
 * time, reopened in between as an upgraded install would be, keeps every
 * row it had with every value. Each migration's new tables (and columns)
 * get sample rows before the next migration runs: a migration that adds a
 * table this file has no rows for fails here, naming the table.
 */

type Row = Record<string, string | number | null>;

/** Sample rows, inserted right after the named migration, table by table in this order (foreign keys). */
const SAMPLES: Record<string, Record<string, Row[]>> = {
  '0001_init.sql': {
    servers: [
      { id: 1, name: 'db12', fqdn: 'db12.dc1.example.com', ips: '10.0.0.12 2001:db8::12', roles: 'db primary', service: 'billing', dc: 'dc1', rack: 'r07', status: 'working', cpu: 32, memory_gb: 255.5, model: 'R740', os: 'Debian 12', tags: 'pci ssd', notes: 'the big one — ünïcode', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-02T00:00:00.000Z' },
      { id: 2, name: 'web01', fqdn: null, ips: '', roles: '', service: null, dc: null, rack: null, status: 'standby', cpu: null, memory_gb: null, model: null, os: null, tags: '', notes: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' },
    ],
    server_ips: [
      { ip_key: '00000000000000000000ffff0a00000c', server_id: 1 },
      { ip_key: '20010db8000000000000000000000012', server_id: 1 },
    ],
    server_status_history: [{ id: 1, server_id: 2, at: '2026-01-01T01:00:00.000Z', actor: 'alice', from_status: 'working', to_status: 'standby', reason: 'spare', maintenance_id: null }],
    outbox: [{ id: 1, channel: 'irc:#ops', thread: null, recipient: null, asker: 'irc:account:alice', author: null, action: 0, priority: 1, body: '{"blocks":[]}', created_at: '2026-01-01T00:00:00.000Z', delivered_at: '2026-01-01T00:00:01.000Z', undeliverable_at: null, attempts: 2, last_error: 'timeout' }],
  },
  '0002_alerts_logs.sql': {
    alerts: [{ id: 1, fingerprint: 'abc123', source: 'alertmanager', name: 'DiskFull', severity: 'critical', status: 'firing', host: 'db12', server_id: 1, summary: 'disk full on /var', text: '98% used', labels: '{"instance":"db12:9100"}', url: 'http://prom/graph', started_at: '2026-01-03T00:00:00.000Z', resolved_at: null, first_seen_at: '2026-01-03T00:00:05.000Z', last_seen_at: '2026-01-03T00:10:00.000Z', count: 3, last_notified_at: '2026-01-03T00:00:05.000Z', acked_at: '2026-01-03T00:05:00.000Z', acked_by: 'bob', ack_note: 'on it', suppressed: 'maintenance' }],
    alert_events: [{ id: 1, alert_id: 1, at: '2026-01-03T00:05:00.000Z', kind: 'acked', actor: 'bob', detail: 'on it' }],
    silences: [{ id: 1, matchers: '[{"key":"host","pattern":"db*"}]', starts_at: '2026-01-03T00:00:00.000Z', ends_at: '2026-01-04T00:00:00.000Z', created_by: 'alice', reason: 'migration', removed_at: null, removed_by: null }],
    log_lines: [{ id: 1, source: 'syslog', host: 'web01', level: 'err', message: 'kernel: oops', ts: '2026-01-03T00:00:00.000Z', received_at: '2026-01-03T00:00:01.000Z', malformed: 0 }],
    tail_offsets: [{ path: '/var/log/app/error.log', inode: '1234:5678', offset: 4096, updated_at: '2026-01-03T00:00:00.000Z' }],
    // The columns 0002 adds to outbox: a condensed alert row and its digest.
    outbox: [
      { id: 2, channel: 'slack:#ops', thread: '1700000000.000100', recipient: null, asker: null, author: null, action: 0, priority: 0, body: '{"digest":true}', created_at: '2026-01-03T00:00:06.000Z', delivered_at: null, undeliverable_at: null, attempts: 0, last_error: null, kind: 'alert', digest_key: null, condensed_into: null },
      { id: 3, channel: 'slack:#ops', thread: null, recipient: null, asker: null, author: 'alice', action: 1, priority: 2, body: '{"alert":1}', created_at: '2026-01-03T00:00:05.000Z', delivered_at: null, undeliverable_at: null, attempts: 0, last_error: null, kind: 'alert', digest_key: '{"name":"DiskFull","severity":"critical"}', condensed_into: 2 },
    ],
  },
  '0003_maintenance.sql': {
    maintenance_schedules: [{ id: 1, title: 'backup', targets: 'db12', cron: '0 3 * * 0', duration_ms: 3_600_000, owner: 'alice', channels: 'irc:#ops', next_at: '2026-01-11T18:00:00.000Z', created_at: '2026-01-04T00:00:00.000Z', cancelled_at: null }],
    maintenance_windows: [
      { id: 1, title: 'backup', targets: 'db12', status: 'in_progress', starts_at: '2026-01-04T18:00:00.000Z', ends_at: '2026-01-04T19:00:00.000Z', started_at: '2026-01-04T18:00:00.000Z', finished_at: null, owner: 'alice', channels: 'irc:#ops slack:#ops', schedule_id: 1, lead_announced_at: '2026-01-04T17:45:00.000Z', overdue_announced_at: null, created_at: '2026-01-04T00:00:00.000Z' },
      { id: 2, title: 'kernel update', targets: 'web*,role:db', status: 'cancelled', starts_at: '2026-01-05T00:00:00.000Z', ends_at: '2026-01-05T02:00:00.000Z', started_at: null, finished_at: '2026-01-04T12:00:00.000Z', owner: 'bob', channels: 'irc:#ops', schedule_id: null, lead_announced_at: null, overdue_announced_at: null, created_at: '2026-01-04T00:00:00.000Z' },
    ],
    maintenance_hosts: [{ window_id: 1, server_id: 1, previous_status: 'working' }],
    maintenance_updates: [{ id: 1, window_id: 1, at: '2026-01-04T18:30:00.000Z', actor: 'alice', kind: 'progress', text: 'half done' }],
  },
  '0004_tickets_git.sql': {
    tickets: [{ id: 12, title: 'disk full on db12', description: 'the /var partition fills every night', status: 'in_progress', priority: 'urgent', reporter: 'alice', assignee: 'bob', channel: 'irc:#ops', created_at: '2026-01-05T00:00:00.000Z', updated_at: '2026-01-05T01:00:00.000Z', closed_at: null }],
    ticket_watchers: [{ ticket_id: 12, person: 'carol' }],
    ticket_hosts: [{ ticket_id: 12, server_id: 1 }],
    ticket_events: [
      { id: 1, ticket_id: 12, at: '2026-01-05T00:00:00.000Z', actor: 'alice', kind: 'created', old_value: null, new_value: null, body: null, repo: null, sha: null, url: null },
      { id: 2, ticket_id: 12, at: '2026-01-05T00:30:00.000Z', actor: 'bob', kind: 'comment', old_value: null, new_value: null, body: 'logrotate misconfigured', repo: null, sha: null, url: null },
      { id: 3, ticket_id: 12, at: '2026-01-05T01:00:00.000Z', actor: 'bob', kind: 'commit', old_value: null, new_value: null, body: 'fix logrotate, refs #12', repo: 'app', sha: 'a1b2c3d4', url: 'https://git.example.com/app/commit/a1b2c3d4' },
    ],
    ticket_commits: [{ ticket_id: 12, repo: 'app', sha: 'a1b2c3d4', action: 'link', author: 'bob', subject: 'fix logrotate, refs #12', url: 'https://git.example.com/app/commit/a1b2c3d4', linked_at: '2026-01-05T01:00:00.000Z', closed_at: null }],
    git_pushes: [{ repo: 'app', ref: 'refs/heads/main', before_sha: '0000000', after_sha: 'a1b2c3d4', pusher: 'bob', commits: 1, received_at: '2026-01-05T01:00:00.000Z' }],
    schedule_state: [{ name: 'ticket digest', spec: '0 9 * * * Asia/Tokyo', next_at: '2026-01-06T00:00:00.000Z' }],
  },
  '0006_leadership.sql': {
    leases: [{ name: 'leader', holder: 'web-a', epoch: 7, acquired_at_ms: 1767225600000, expires_at_ms: 1767225610000, previous_holder: 'web-b' }],
    // A row claimed by a leader that was lost before it marked it: the next one resends it.
    outbox: [{ id: 4, channel: 'irc:#ops', thread: null, recipient: null, asker: null, author: null, action: 0, priority: 0, body: '{"in":"doubt"}', created_at: '2026-01-06T00:00:00.000Z', delivered_at: '2026-01-06T00:00:02.000Z', undeliverable_at: null, attempts: 1, last_error: null, kind: null, digest_key: null, condensed_into: null, claim_epoch: 7, claimed_at: '2026-01-06T00:00:01.000Z', delivered_epoch: 7 }],
    tail_offsets: [{ node: 'web-a', path: '/var/log/app/error.log', inode: '1234:5678', offset: 8192, updated_at: '2026-01-06T00:00:00.000Z' }],
  },
};

/**
 * Tables no sample is inserted into: they are filled from others, and
 * checked by what reads them (`checkDerived`).
 */
const DERIVED: Record<string, string> = {
  ticket_search: 'FTS5 index fed by triggers on tickets and ticket_events',
  log_search: 'FTS5 index over log_lines(message), written by LogSearch from log_search_pending',
  log_search_pending: 'log lines waiting for the word index, queued by a trigger on log_lines',
  server_words: "servers' roles and tags one per row: filled by 0011 from servers, then kept by Inventory",
  server_word_counts: 'hosts per role or tag and status, kept by triggers on server_words',
};

/** Columns of each ordinary table, from SQLite's own catalogue (FTS shadow tables and SQLite's are left out). */
function schema(db: DB): Map<string, string[]> {
  const tables = db.raw.prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").all() as { name: string; type: string }[];
  const out = new Map<string, string[]>();
  for (const t of tables) {
    if (t.type === 'shadow') continue;
    out.set(t.name, (db.raw.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(t.name) as { name: string }[]).map((c) => c.name));
  }
  return out;
}

function insert(db: DB, table: string, row: Row): void {
  const cols = Object.keys(row);
  db.raw.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
}

/** The rows of `table` that hold exactly `row`'s values (`IS`, so NULLs compare too). */
function matching(db: DB, table: string, row: Row): Row[] {
  const cols = Object.keys(row);
  return db.raw.prepare(`SELECT * FROM ${table} WHERE ${cols.map((c) => `${c} IS ?`).join(' AND ')}`).all(...cols.map((c) => row[c])) as Row[];
}

/** What a migration added: tables, and columns of tables that were already there. */
function added(before: Map<string, string[]>, after: Map<string, string[]>): { tables: string[]; columns: { table: string; column: string }[] } {
  const tables = [...after.keys()].filter((t) => !before.has(t));
  const columns = [...before.keys()].flatMap((t) => (after.get(t) ?? []).filter((c) => !before.get(t)!.includes(c)).map((column) => ({ table: t, column })));
  return { tables, columns };
}

/** What an upgraded database's sample rows must satisfy, whichever migration they came with. */
async function checkDerived(db: DB, clock: ReturnType<typeof fixedClock>): Promise<void> {
  const tickets = new TicketStore(db, clock);
  const found = async (words: string) => (await tickets.list({ search: words, status: 'all' }, 10)).tickets.map((t) => t.id);
  expect(await found('disk full'), 'the title, through ticket_search').toEqual([12]);
  expect(await found('partition nightly'), 'not in any ticket').toEqual([]);
  expect(await found('partition fills'), 'the description').toEqual([12]);
  expect(await found('logrotate misconfig'), 'a comment').toEqual([12]);
  expect(await tickets.get(12)).toMatchObject({ title: 'disk full on db12', hosts: ['db12'] });
  const inventory = new Inventory(db, clock);
  const hosts = async (f: ServerFilter) => (await inventory.list(f, 10)).servers.map((s) => s.name);
  expect(await hosts({ role: 'primary' }), 'a role, through server_words').toEqual(['db12']);
  expect(await hosts({ tag: 'SSD' }), 'a tag, through server_words').toEqual(['db12']);
  expect(await hosts({ role: 'spare' })).toEqual([]);
  expect(await inventory.countByStatus({ role: 'db' }), 'counted through server_word_counts').toEqual([{ status: 'working', count: 1 }]);
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('upgrading a database from the oldest schema, one migration at a time', () => {
  it('keeps every row of every table with its values, and the search index works', async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsbridge-upgrade-'));
    const path = join(dir, 'opsbridge.db');
    const all = readMigrations(migrationsDir('sqlite'));
    expect(all[0]?.name).toMatch(/^0001_/);
    const clock = fixedClock('2026-02-01T00:00:00Z');

    // Every row inserted so far, by table, with the values it was given.
    const inserted = new Map<string, Row[]>();
    let before = new Map<string, string[]>();
    for (let i = 0; i < all.length; i++) {
      const m = all[i]!;
      const db = openSqlite(path);
      try {
        expect((await migrate(db, all.slice(0, i + 1))).applied).toEqual([m.name]);
        const after = schema(db);
        const samples = SAMPLES[m.name] ?? {};
        const change = added(before, after);
        for (const t of change.tables) {
          if (DERIVED[t] !== undefined) continue;
          expect(samples[t], `${m.name} adds table ${t}: give it sample rows under SAMPLES['${m.name}'].${t} in this file (or list it in DERIVED if it is filled from other tables)`).toBeDefined();
        }
        for (const { table, column } of change.columns) {
          expect(samples[table]?.some((r) => r[column] !== undefined && r[column] !== null) ?? false, `${m.name} adds column ${table}.${column}: give it a sample row with a non-null ${column} under SAMPLES['${m.name}'].${table} in this file`).toBe(true);
        }
        for (const t of Object.keys(samples)) expect(after.has(t), `SAMPLES['${m.name}'].${t}: no such table after ${m.name}`).toBe(true);

        // Rows already there came through this migration with their values.
        for (const [t, rows] of inserted) {
          expect(after.has(t), `${m.name} dropped table ${t}`).toBe(true);
          for (const r of rows) expect(matching(db, t, r), `${m.name}: a ${t} row changed or went missing: ${JSON.stringify(r)}`).toHaveLength(1);
        }

        db.raw.transaction(() => {
          for (const [t, rows] of Object.entries(samples)) {
            for (const r of rows) insert(db, t, r);
            inserted.set(t, [...(inserted.get(t) ?? []), ...rows]);
          }
        })();
        before = after;
      } finally {
        db.raw.close();
      }
    }

    const db = openSqlite(path);
    try {
      expect(await migrate(db, all)).toEqual({ applied: [], alreadyApplied: all.length });
      const final = schema(db);
      for (const t of final.keys()) {
        if (DERIVED[t] !== undefined) continue;
        const rows = inserted.get(t) ?? [];
        expect(rows.length, `table ${t} has no sample rows`).toBeGreaterThan(0);
        expect(db.raw.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get(), `rows in ${t}`).toBe(rows.length);
        for (const r of rows) expect(matching(db, t, r), `${t}: ${JSON.stringify(r)}`).toHaveLength(1);
      }
      expect(db.raw.pragma('foreign_key_check')).toEqual([]);
      expect(db.raw.pragma('integrity_check', { simple: true })).toBe('ok');
      await checkDerived(db, clock);

      // The triggers still feed the index after the last migration.
      const tickets = new TicketStore(db, clock);
      const id = await tickets.insert({ title: 'certificate expiry on lb3', description: '', priority: 'normal', reporter: 'carol', assignee: null, channel: null });
      await tickets.addEvent(id, { actor: 'carol', kind: 'comment', body: 'renewed with acme' });
      expect((await tickets.list({ search: 'certificate lb3', status: 'all' }, 10)).tickets.map((t) => t.id)).toEqual([id]);
      expect((await tickets.list({ search: 'acme', status: 'all' }, 10)).tickets.map((t) => t.id)).toEqual([id]);
    } finally {
      db.raw.close();
    }
  });
});
