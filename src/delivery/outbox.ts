import type { Clock } from '../clock.js';
import type { RichText } from '../chat/rich-text.js';
import type { Sql } from '../store/sql.js';

/**
 * The leader's fencing token, as delivery holds it: claims and marks run
 * only while `check()` (inside their transaction) finds the lease still held
 * under `epoch`. Structural, so delivery knows nothing of how leadership works.
 */
export interface OutboxFence {
  readonly epoch: number;
  check(): Promise<void>;
}

export interface OutboxEntry {
  id: number;
  channel: string;
  thread: string | null;
  recipient: string | null;
  asker: string | null;
  author: string | null;
  action: number;
  priority: number;
  body: RichText;
  created_at: string;
  attempts: number;
}

export interface NewOutboxEntry {
  channel: string;
  body: RichText;
  thread?: string;
  /** A private reply to this user (nick or platform user id) of the channel's platform. */
  recipient?: string;
  /** Who asked, for a reply: a platform may send them what does not fit in the channel. */
  asker?: string;
  /** A relayed message: its author on the other side, and whether it was a /me. */
  author?: string;
  action?: boolean;
  /** Higher goes first within a channel: critical alerts jump the routine backlog. */
  priority?: number;
  /** An alert or log line: delivery may condense a backlog of these into a digest. */
  digest?: DigestFacts;
}

/** What a digest needs to know about a condensable row. */
export type DigestFacts =
  | { kind: 'alert'; id: number; status: 'firing' | 'resolved'; name: string; severity: string; host: string | null }
  | { kind: 'log'; host: string; level: string };

export interface CondensableRow {
  id: number;
  priority: number;
  created_at: string;
  facts: DigestFacts;
}

type Row = Omit<OutboxEntry, 'body'> & { body: string };

/** A row still to deliver: not delivered, not set aside, not replaced by a digest. */
const PENDING = 'delivered_at IS NULL AND undeliverable_at IS NULL AND condensed_into IS NULL';

const CLAIMABLE = `SELECT claim_epoch FROM outbox WHERE id = ? AND ${PENDING}`;
const CLAIM = 'UPDATE outbox SET claim_epoch = ?, claimed_at = ? WHERE id = ?';
const DELIVERED_UNDER = 'UPDATE outbox SET delivered_at = ?, delivered_epoch = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND claim_epoch = ? AND delivered_at IS NULL';

const INSERT = `INSERT INTO outbox (channel, thread, recipient, asker, author, action, priority, body, created_at, kind, digest_key)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
// A skip-scan of the pending index: one seek per channel, however long the backlog
// (SELECT DISTINCT would read every pending row, after every enqueue of a storm).
// PostgreSQL runs the same recursive CTE (its "loose index scan").
const CHANNELS = `WITH RECURSIVE c(channel) AS (
    SELECT MIN(channel) FROM outbox WHERE ${PENDING}
    UNION ALL
    SELECT (SELECT MIN(channel) FROM outbox WHERE ${PENDING} AND channel > c.channel) FROM c WHERE c.channel IS NOT NULL
  ) SELECT channel FROM c WHERE channel IS NOT NULL`;
const PENDING_ROWS = `SELECT id, channel, thread, recipient, asker, author, action, priority, body, created_at, attempts FROM outbox
  WHERE ${PENDING} AND channel = ? ORDER BY priority DESC, id LIMIT ?`;
const CONDENSABLE_COUNT = `SELECT COUNT(*) FROM outbox WHERE ${PENDING} AND channel = ? AND kind IS NOT NULL`;
const CONDENSABLE = `SELECT id, priority, created_at, digest_key FROM outbox WHERE ${PENDING} AND channel = ? AND kind IS NOT NULL ORDER BY id`;
const CONDENSED_INTO = 'UPDATE outbox SET condensed_into = ? WHERE id = ?';
const DEPTH = `SELECT channel, COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE ${PENDING} GROUP BY channel`;
const DELIVERED = 'UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?';
const FAILED = 'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?';
const UNDELIVERABLE = 'UPDATE outbox SET attempts = attempts + 1, last_error = ?, undeliverable_at = ? WHERE id = ?';
const COUNT = `SELECT COUNT(*) FROM outbox WHERE ${PENDING}`;

/**
 * The outbox table: every message for a chat is written here first and
 * marked delivered only once the adapter confirmed it. Another process
 * (`opsbridge run`, a git hook) may write rows too; the running bot polls.
 * Reading what is pending and marking a row are separate calls, so that
 * each can be made conditional on its own (a leader's epoch).
 */
export class Outbox {
  private readonly listeners = new Set<(channel: string) => void>();

  constructor(private readonly db: Sql, private readonly clock: Clock) {}

  /** Writes a row and returns its id. Inside a caller's transaction, the row is there once that commits. */
  async enqueue(e: NewOutboxEntry): Promise<number> {
    const id = await this.db.insert(INSERT, [
      e.channel, e.thread ?? null, e.recipient ?? null, e.asker ?? null, e.author ?? null, e.action ? 1 : 0, e.priority ?? 0,
      JSON.stringify(e.body), this.clock.now().toISOString(), e.digest?.kind ?? null, e.digest ? JSON.stringify(e.digest) : null,
    ]);
    for (const l of this.listeners) l(e.channel);
    return id;
  }

  /**
   * Called with the channel after each enqueue in this process, so delivery
   * starts without waiting for its poll. Synchronous and must not touch the
   * store: it may run inside the enqueuer's transaction (delivery only
   * schedules a look).
   */
  onEnqueue(listener: (channel: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  channelsWithPending(): Promise<string[]> {
    return this.db.column<string>(CHANNELS);
  }

  async pending(channel: string, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.all<Row>(PENDING_ROWS, [channel, limit]);
    return rows.map((r) => ({ ...r, body: JSON.parse(r.body) as RichText }));
  }

  async pendingCount(): Promise<number> {
    return (await this.db.value<number>(COUNT)) ?? 0;
  }

  /** Pending rows per channel and the time the oldest was written: for /metrics. */
  depth(): Promise<Array<{ channel: string; pending: number; oldest: string }>> {
    return this.db.all<{ channel: string; pending: number; oldest: string }>(DEPTH);
  }

  /** Pending alerts and log lines of a channel: what a digest could replace. */
  async condensableCount(channel: string): Promise<number> {
    return (await this.db.value<number>(CONDENSABLE_COUNT, [channel])) ?? 0;
  }

  /**
   * Replaces a channel's pending alerts and log lines with digest rows, in
   * one transaction: `plan` gets the rows and returns the digests to write,
   * each with the ids it stands for. Rows a digest does not claim stay
   * pending. The condensed rows stay in the table, pointing at their digest.
   */
  condense(channel: string, plan: (rows: CondensableRow[]) => Array<{ body: RichText; priority: number; replaces: number[] }>): Promise<number> {
    return this.db.tx(async () => {
      const found = await this.db.all<{ id: number; priority: number; created_at: string; digest_key: string }>(CONDENSABLE, [channel]);
      const rows = found.map((r) => ({ id: r.id, priority: r.priority, created_at: r.created_at, facts: JSON.parse(r.digest_key) as DigestFacts }));
      let condensed = 0;
      const now = this.clock.now().toISOString();
      for (const d of plan(rows)) {
        const digestId = await this.db.insert(INSERT, [channel, null, null, null, null, 0, d.priority, JSON.stringify(d.body), now, null, null]);
        for (const id of d.replaces) await this.db.run(CONDENSED_INTO, [digestId, id]);
        condensed += d.replaces.length;
      }
      return condensed;
    });
  }

  /**
   * Claims a pending row for sending under the fence's epoch. `resend`: an
   * older epoch claimed it and never marked it, so the lost leader may have
   * had it on the wire, and this send may be a duplicate.
   */
  async claim(id: number, fence: OutboxFence): Promise<{ claimed: boolean; resend: boolean }> {
    return this.db.tx(async () => {
      await fence.check();
      // SKIP LOCKED: a row another claimer holds (a stale leader's last
      // statement) is left to it rather than waited for.
      const row = await this.db.get<{ claim_epoch: number | null }>(this.db.engine === 'postgres' ? `${CLAIMABLE} FOR UPDATE SKIP LOCKED` : CLAIMABLE, [id]);
      if (!row) return { claimed: false, resend: false };
      await this.db.run(CLAIM, [fence.epoch, this.clock.now().toISOString(), id]);
      return { claimed: true, resend: row.claim_epoch !== null && row.claim_epoch < fence.epoch };
    });
  }

  /** After the adapter confirmed: with a fence, only if the row is still this epoch's claim and the lease still ours. */
  async markDelivered(id: number, fence?: OutboxFence): Promise<void> {
    const now = this.clock.now().toISOString();
    if (!fence) {
      await this.db.run(DELIVERED, [now, id]);
      return;
    }
    await this.db.tx(async () => {
      await fence.check();
      await this.db.run(DELIVERED_UNDER, [now, fence.epoch, id, fence.epoch]);
    });
  }

  /** Set aside for good: kept for the record, no longer pending. */
  async markUndeliverable(id: number, error: string): Promise<void> {
    await this.db.run(UNDELIVERABLE, [error.slice(0, 500), this.clock.now().toISOString(), id]);
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.db.run(FAILED, [error.slice(0, 500), id]);
  }
}
