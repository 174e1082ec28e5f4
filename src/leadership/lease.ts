import type { Sql } from '../store/sql.js';

/**
 * The leader lease: one row in `leases`, taken when it has expired, renewed
 * by its holder, and its epoch raised at every change of holder.
 *
 * A lease row rather than an advisory lock: an advisory lock lives as long as
 * the session that took it, and a dead host's session can stay "alive" until
 * TCP keepalive notices, minutes later; the lock also carries no token that
 * a write could be conditional on. A row with an expiry works through any
 * pool or proxy, ends on time whatever happened to its holder, and its epoch
 * is the fencing token.
 */
export interface LeaseState {
  holder: string;
  epoch: number;
  acquiredAtMs: number;
  expiresAtMs: number;
  previousHolder: string | null;
}

export interface Held {
  epoch: number;
  /** Who held it before this node took it (null: nobody, or this node itself). */
  previousHolder: string | null;
}

const NAME = 'leader';

/** The database's clock in ms: nodes compare expiries on one clock, not each on its own. */
function nowMs(db: Sql): string {
  return db.engine === 'postgres'
    ? '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

/** Thrown when this node acts under an epoch that is no longer the lease's. */
export class LeaseLostError extends Error {
  constructor(readonly epoch: number) {
    super(`the leader lease is no longer held under epoch ${epoch}`);
    this.name = 'LeaseLostError';
  }
}

export class LeaseStore {
  private readonly now: string;

  constructor(private readonly db: Sql, private readonly node: string) {
    this.now = nowMs(db);
  }

  /**
   * Takes the lease if it has expired (or this node held it before a
   * restart), raising the epoch. Null when another node holds it.
   */
  async acquire(ttlMs: number): Promise<Held | null> {
    const { db, now } = this;
    return db.tx(async () => {
      await db.run(
        `INSERT INTO leases (name, holder, epoch, acquired_at_ms, expires_at_ms) VALUES (?, '', 0, 0, 0) ON CONFLICT (name) DO NOTHING`,
        [NAME],
      );
      const before = await db.get<{ holder: string }>(`SELECT holder FROM leases WHERE name = ?${db.engine === 'postgres' ? ' FOR UPDATE' : ''}`, [NAME]);
      const r = await db.run(
        `UPDATE leases SET holder = ?, epoch = epoch + 1, acquired_at_ms = ${now}, expires_at_ms = ${now} + ?, previous_holder = CASE WHEN holder = ? THEN previous_holder ELSE NULLIF(holder, '') END
         WHERE name = ? AND (expires_at_ms <= ${now} OR holder = ?)`,
        [this.node, ttlMs, this.node, NAME, this.node],
      );
      if (r.changes === 0) return null;
      const row = (await this.current())!;
      const prev = before?.holder ?? '';
      return { epoch: row.epoch, previousHolder: prev && prev !== this.node ? prev : null };
    });
  }

  /** Extends the lease held under `epoch`; false when it is no longer ours. */
  async renew(epoch: number, ttlMs: number): Promise<boolean> {
    const r = await this.db.run(
      `UPDATE leases SET expires_at_ms = ${this.now} + ? WHERE name = ? AND holder = ? AND epoch = ?`,
      [ttlMs, NAME, this.node, epoch],
    );
    return r.changes === 1;
  }

  /** Gives the lease up at once (a planned stop), so a standby need not wait for it to expire. */
  async release(epoch: number): Promise<void> {
    await this.db.run(`UPDATE leases SET expires_at_ms = 0 WHERE name = ? AND holder = ? AND epoch = ?`, [NAME, this.node, epoch]);
  }

  async current(): Promise<LeaseState | null> {
    const row = await this.db.get<{ holder: string; epoch: number; acquired_at_ms: number; expires_at_ms: number; previous_holder: string | null; now: number }>(
      'SELECT holder, epoch, acquired_at_ms, expires_at_ms, previous_holder FROM leases WHERE name = ?',
      [NAME],
    );
    if (!row || row.holder === '') return null;
    return { holder: row.holder, epoch: row.epoch, acquiredAtMs: row.acquired_at_ms, expiresAtMs: row.expires_at_ms, previousHolder: row.previous_holder };
  }

  /** The lease as the database sees it now: held (by whom) or free. */
  async status(): Promise<(LeaseState & { live: boolean }) | null> {
    const s = await this.current();
    if (!s) return null;
    const now = Number(await this.db.value(`SELECT ${this.now}`));
    return { ...s, live: s.expiresAtMs > now };
  }

  /**
   * Inside a transaction: fails unless this node still holds the lease under
   * `epoch` and it has not expired. On PostgreSQL the row stays share-locked
   * until the transaction ends, so a takeover waits for it instead of
   * committing alongside a stale leader's write.
   */
  async check(epoch: number): Promise<void> {
    const lock = this.db.engine === 'postgres' ? ' FOR SHARE' : '';
    const ok = await this.db.value(
      `SELECT 1 FROM leases WHERE name = ? AND holder = ? AND epoch = ? AND expires_at_ms > ${this.now}${lock}`,
      [NAME, this.node, epoch],
    );
    if (!ok) throw new LeaseLostError(epoch);
  }
}
