import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, LeaseStore } from '../../src/leadership/lease.js';
import { Leadership } from '../../src/leadership/leadership.js';
import { openMigratedStore } from '../../src/store/open.js';
import type { Sql } from '../../src/store/sql.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { rejectedBy } from '../helpers/thrown.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite', 'postgres'] as const)('the leader lease on %s', (engine) => {
  let pg: Postgres | undefined;
  let dir: string;
  const open: Sql[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsbridge-lease-'));
    if (engine === 'postgres') pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const db of open) await db.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  async function store(): Promise<Sql> {
    const url = pg ? await pg.createDatabase() : join(dir, `lease${++n}.db`);
    const { db } = await openMigratedStore(url);
    open.push(db);
    return db;
  }

  it('one holder at a time; the epoch rises when the holder changes, and fences the old one', async () => {
    const db = await store();
    const a = new LeaseStore(db, 'web-a');
    const b = new LeaseStore(db, 'web-b');
    expect(await a.acquire(300)).toEqual({ epoch: 1, previousHolder: null });
    expect(await b.acquire(300)).toBeNull();
    expect(await a.renew(1, 300)).toBe(true);
    await db.tx(() => a.check(1));
    await sleep(400);
    // Expired: b takes it under a new epoch, and a can neither renew nor pass a check.
    expect(await b.acquire(10_000)).toEqual({ epoch: 2, previousHolder: 'web-a' });
    expect(await a.renew(1, 300)).toBe(false);
    const lost = await rejectedBy(LeaseLostError, db.tx(() => a.check(1)));
    expect(lost.epoch).toBe(1);
    expect(await a.acquire(300)).toBeNull();
    expect(await a.current()).toMatchObject({ holder: 'web-b', epoch: 2, previousHolder: 'web-a' });
    // A planned stop hands over at once.
    await b.release(2);
    expect(await a.acquire(300)).toEqual({ epoch: 3, previousHolder: 'web-b' });
  });

  it('a node restarting under its own name takes its lease back at once, under a new epoch', async () => {
    const db = await store();
    expect((await new LeaseStore(db, 'web-a').acquire(60_000))?.epoch).toBe(1);
    expect(await new LeaseStore(db, 'web-a').acquire(60_000)).toEqual({ epoch: 2, previousHolder: null });
  });

  it('Leadership: elects one of two nodes, fails over when the leader stops renewing, and the old one finds itself deposed', async () => {
    const db = await store();
    const log = pino({ level: 'silent' });
    const events: string[] = [];
    const timings = { leaseMs: 600, renewMs: 100, stopSendingMs: 400 };
    const node = (name: string) =>
      new Leadership({
        node: name, lease: new LeaseStore(db, name), timings, log,
        onElected: async (held) => void events.push(`${name} elected ${held.epoch} from ${held.previousHolder}`),
        onDeposed: async (why) => void events.push(`${name} deposed: ${why}`),
      });
    const a = node('web-a');
    const b = node('web-b');
    await a.start();
    await b.start();
    await a.settled();
    expect(a.status()).toMatchObject({ role: 'leader', epoch: 1, sending: true });
    expect(b.status()).toMatchObject({ role: 'standby', epoch: null });
    await a.stop();
    await sleep(300);
    await b.settled();
    expect(b.status()).toMatchObject({ role: 'leader', epoch: 2 });
    expect(events).toEqual(['web-a elected 1 from null', 'web-a deposed: stopping', 'web-b elected 2 from web-a']);
    expect(b.takeovers).toBe(1);
    await b.stop();
  });
});
