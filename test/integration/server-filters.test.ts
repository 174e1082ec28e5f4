import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/domain/servers/inventory.js';
import type { Server, ServerFilter, ServerInput } from '../../src/domain/servers/model.js';
import { globRegExp } from '../../src/store/glob.js';
import { TEST_ENGINE, testCore, type TestCore } from '../helpers/core.js';

/**
 * `!servers` filters read index ranges (server_words for roles and tags,
 * servers' own indexes for status, service and dc). Whatever the path, the
 * answer must be the one a plain scan of the hosts gives: these tests hold
 * the store's answer against that scan, written here in JavaScript, on a
 * generated fleet and after imports that change roles and tags.
 */

let core: TestCore;
let inventory: Inventory;
beforeEach(async () => {
  core = await testCore();
  inventory = core.services.inventory;
});
afterEach(() => core.cleanup());

const STATUSES = ['working', 'standby', 'maintenance', 'poweroff', 'retired'] as const;

function fleet(n: number, variant = 0): ServerInput[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + variant;
    return {
      name: `${['web', 'Db', 'cache'][i % 3]}${String(i).padStart(3, '0')}`,
      roles: [`blog:${['app', 'db', 'cache'][k % 3]}`, ...(k % 4 === 0 ? ['DB:master'] : k % 4 === 1 ? ['db:slave'] : [])],
      tags: k % 5 === 0 ? [] : [`t${k % 7}`, ...(k % 2 ? ['Fleet'] : [])],
      status: STATUSES[k % STATUSES.length]!,
      service: k % 6 === 0 ? null : `svc${k % 4}`,
      dc: `dc${k % 3}`,
    };
  });
}

/** What the filter means, over the hosts as the store returns them all. */
function expected(all: Server[], f: ServerFilter): string[] {
  const is = (value: string | null, want: string) => (/[*?[]/.test(want) ? globRegExp(want).test(value ?? '') : (value ?? '').toLowerCase() === want.toLowerCase() && value !== null);
  const has = (list: string[], want: string) => list.some((w) => is(w, want));
  return all
    .filter((s) => (f.role === undefined || has(s.roles, f.role)) && (f.tag === undefined || has(s.tags, f.tag)))
    .filter((s) => (f.status === undefined || is(s.status, f.status)) && (f.service === undefined || is(s.service, f.service)))
    .filter((s) => (f.dc === undefined || is(s.dc, f.dc)) && (f.name === undefined || is(s.name, f.name)))
    .map((s) => s.name)
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
}

async function everything(): Promise<Server[]> {
  const out: Server[] = [];
  for await (const s of inventory.all()) out.push(s);
  return out;
}

const FILTERS: ServerFilter[] = [
  { role: 'db:master' },
  { role: 'DB:MASTER' },
  { role: 'blog:cache' },
  { role: 'db:*' },
  { tag: 'fleet' },
  { tag: 't3' },
  { tag: 't*' },
  { status: 'standby' },
  { status: 'WORKING' },
  { service: 'svc2' },
  { dc: 'dc1' },
  { role: 'db:slave', tag: 'fleet' },
  { role: 'db:master', status: 'retired' },
  { tag: 't1', role: 'blog:*' },
  { role: 'blog:app', name: 'web*' },
  { status: 'maintenance', dc: 'dc2', service: 'svc1' },
  { role: 'nothing' },
];

async function expectAllFiltersRight(): Promise<void> {
  const all = await everything();
  for (const f of FILTERS) {
    const want = expected(all, f);
    const got = await inventory.list(f, 10_000);
    expect(got.servers.map((s) => s.name), JSON.stringify(f)).toEqual(want);
    expect(got.total, JSON.stringify(f)).toBe(want.length);
    const counts = await inventory.countByStatus(f);
    expect(counts.reduce((n, c) => n + c.count, 0), `countByStatus ${JSON.stringify(f)}`).toBe(want.length);
  }
}

describe('filtered host lists', () => {
  it('match a plain scan for every kind of filter, alone and combined', async () => {
    await inventory.import(fleet(240), { actor: 'test', reason: 'test' });
    await expectAllFiltersRight();
  });

  it('page in name order with offsets, as the whole list does', async () => {
    await inventory.import(fleet(240), { actor: 'test', reason: 'test' });
    const whole = (await inventory.list({ role: 'db:master' }, 1000)).servers.map((s) => s.name);
    expect(whole.length).toBe(60);
    const pages: string[] = [];
    for (let offset = 0; offset < whole.length; offset += 7) pages.push(...(await inventory.page({ role: 'db:master' }, 7, offset)).map((s) => s.name));
    expect(pages).toEqual(whole);
  });

  it('follow an import that changes, adds and removes roles and tags', async () => {
    await inventory.import(fleet(120), { actor: 'test', reason: 'test' });
    await inventory.import(fleet(120, 1), { actor: 'test', reason: 'reshuffle' });
    await expectAllFiltersRight();
    // Clearing the lists leaves nothing behind for the old words.
    await inventory.import(fleet(120).map((s) => ({ ...s, roles: [], tags: [] })), { actor: 'test', reason: 'clear' });
    expect((await inventory.list({ role: 'db:master' }, 10)).total).toBe(0);
    expect((await inventory.list({ tag: 'fleet' }, 10)).total).toBe(0);
    await expectAllFiltersRight();
  });

  it('follow status changes, made one at a time and by an import', async () => {
    await inventory.import(fleet(60), { actor: 'test', reason: 'test' });
    const web000 = (await inventory.get('web000'))!;
    expect(web000.roles).toContain('DB:master');
    expect(await inventory.setStatus(web000.id, 'poweroff', 'alice', 'fan')).not.toBeNull();
    await expectAllFiltersRight();
    expect((await inventory.list({ role: 'db:master', status: 'poweroff' }, 100)).servers.map((s) => s.name)).toContain('web000');
    // Statuses only: the roles and tags stay, their counts move.
    await inventory.import(fleet(60).map((s, i) => ({ name: s.name, status: STATUSES[(i + 2) % STATUSES.length]! })), { actor: 'test', reason: 'statuses' });
    await expectAllFiltersRight();
  });

  it('leave the index untouched by a dry run, and by a row that only changes other columns', async () => {
    await inventory.import(fleet(30), { actor: 'test', reason: 'test' });
    await inventory.import(fleet(30, 2), { actor: 'test', reason: 'dry', dryRun: true });
    await expectAllFiltersRight();
    await inventory.import([{ name: 'web000', notes: 'rebooted' }], { actor: 'test', reason: 'notes' });
    expect((await inventory.list({ role: 'db:master' }, 100)).servers.map((s) => s.name)).toContain('web000');
  });

  it('come out the same from an import large enough to rebuild the indexes, and a dry run of one leaves them', async () => {
    const indexes = () => core.db.column<string>(TEST_ENGINE === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'servers' AND sql IS NOT NULL ORDER BY name"
      : "SELECT indexname FROM pg_indexes WHERE tablename = 'servers' AND indexname LIKE 'servers\\_%' ORDER BY indexname");
    const before = await indexes();
    expect(before).toEqual(expect.arrayContaining(['servers_dc', 'servers_fqdn', 'servers_name', 'servers_service', 'servers_status']));
    await inventory.import(fleet(6000), { actor: 'test', reason: 'dry', dryRun: true });
    expect(await indexes()).toEqual(before);
    expect((await inventory.list({}, 1)).total).toBe(0);
    await inventory.import(fleet(6000), { actor: 'test', reason: 'bulk' });
    expect(await indexes()).toEqual(before);
    await expectAllFiltersRight();
  });

  it('count a host once when its list repeats a word in another case', async () => {
    await inventory.import([{ name: 'x1', roles: ['db', 'DB', 'db'], tags: ['a', 'A'] }], { actor: 'test', reason: 'test' });
    expect(await inventory.list({ role: 'db' }, 10)).toMatchObject({ total: 1, servers: [{ name: 'x1' }] });
    expect(await inventory.list({ tag: 'a', role: 'Db' }, 10)).toMatchObject({ total: 1 });
  });
});

describe.runIf(TEST_ENGINE === 'sqlite')('the query plan on SQLite', () => {
  async function plan(f: ServerFilter): Promise<string> {
    await inventory.import(fleet(50), { actor: 'test', reason: 'test' });
    const seen: string[] = [];
    const raw = (core.db as unknown as { raw: import('better-sqlite3').Database }).raw;
    const prepare = raw.prepare.bind(raw);
    // Ask the planner about each statement the page read prepares.
    raw.prepare = ((sql: string) => {
      if (/ORDER BY/.test(sql) && /LIMIT/.test(sql)) seen.push((prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...paramsOf(sql) }) as { detail: string }[]).map((r) => r.detail).join('; '));
      return prepare(sql);
    }) as typeof raw.prepare;
    try {
      await inventory.page(f, 10);
    } finally {
      raw.prepare = prepare;
    }
    return seen.join(' | ');
  }
  /** Any value for each `@name`: the plan does not depend on them. */
  function paramsOf(sql: string): Record<string, string> {
    return Object.fromEntries([...sql.matchAll(/@([a-z_]+)/g)].map((m) => [m[1]!, 'x']));
  }

  it('reads an exact role or tag from server_words in name order, without scanning servers or sorting', async () => {
    for (const f of [{ role: 'db:master' }, { tag: 'fleet' }, { role: 'db:master', status: 'working' }]) {
      const p = await plan(f);
      expect(p, JSON.stringify(f)).toMatch(/SEARCH w USING PRIMARY KEY \(kind=\? AND word=\?\)/);
      expect(p, JSON.stringify(f)).not.toMatch(/SCAN s\b|TEMP B-TREE/);
    }
  });

  it('reads status, service and dc through their indexes', async () => {
    expect(await plan({ status: 'working' })).toMatch(/USING INDEX servers_status/);
    expect(await plan({ service: 'svc1' })).toMatch(/USING INDEX servers_service/);
    expect(await plan({ dc: 'dc1' })).toMatch(/USING INDEX servers_dc/);
  });
});
