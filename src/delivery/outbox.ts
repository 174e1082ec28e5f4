import type { Clock } from '../clock.js';
import type { RichText } from '../chat/rich-text.js';
import type { DB } from '../store/database.js';

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

/**
 * The outbox table: every message for a chat is written here first and
 * marked delivered only once the adapter confirmed it. Another process
 * (`opsbridge run`, a git hook) may write rows too; the running bot polls.
 */
export class Outbox {
  private readonly q;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: DB, private readonly clock: Clock) {
    this.q = {
      insert: db.prepare(`INSERT INTO outbox (channel, thread, recipient, asker, author, action, priority, body, created_at, kind, digest_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // A skip-scan of the pending index: one seek per channel, however long the backlog
      // (SELECT DISTINCT would read every pending row, after every enqueue of a storm).
      channels: db.prepare(`WITH RECURSIVE c(channel) AS (
          SELECT MIN(channel) FROM outbox WHERE ${PENDING}
          UNION ALL
          SELECT (SELECT MIN(channel) FROM outbox WHERE ${PENDING} AND channel > c.channel) FROM c WHERE c.channel IS NOT NULL
        ) SELECT channel FROM c WHERE channel IS NOT NULL`).pluck(),
      pending: db.prepare(`SELECT id, channel, thread, recipient, asker, author, action, priority, body, created_at, attempts FROM outbox
        WHERE ${PENDING} AND channel = ? ORDER BY priority DESC, id LIMIT ?`),
      condensableCount: db.prepare(`SELECT COUNT(*) FROM outbox WHERE ${PENDING} AND channel = ? AND kind IS NOT NULL`).pluck(),
      condensable: db.prepare(`SELECT id, priority, created_at, digest_key FROM outbox WHERE ${PENDING} AND channel = ? AND kind IS NOT NULL ORDER BY id`),
      condensedInto: db.prepare('UPDATE outbox SET condensed_into = ? WHERE id = ?'),
      depth: db.prepare(`SELECT channel, COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE ${PENDING} GROUP BY channel`),
      delivered: db.prepare('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?'),
      failed: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?'),
      undeliverable: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, undeliverable_at = ? WHERE id = ?'),
      count: db.prepare(`SELECT COUNT(*) FROM outbox WHERE ${PENDING}`).pluck(),
    };
  }

  enqueue(e: NewOutboxEntry): number {
    const id = Number(
      this.q.insert.run(e.channel, e.thread ?? null, e.recipient ?? null, e.asker ?? null, e.author ?? null, e.action ? 1 : 0, e.priority ?? 0, JSON.stringify(e.body), this.clock.now().toISOString(),
        e.digest?.kind ?? null, e.digest ? JSON.stringify(e.digest) : null).lastInsertRowid,
    );
    for (const l of this.listeners) l();
    return id;
  }

  /** Called after each enqueue in this process, so delivery starts without waiting for its poll. */
  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  channelsWithPending(): string[] {
    return this.q.channels.all() as string[];
  }

  pending(channel: string, limit: number): OutboxEntry[] {
    return (this.q.pending.all(channel, limit) as Row[]).map((r) => ({ ...r, body: JSON.parse(r.body) as RichText }));
  }

  pendingCount(): number {
    return this.q.count.get() as number;
  }

  /** Pending rows per channel and the time the oldest was written: for /metrics. */
  depth(): Array<{ channel: string; pending: number; oldest: string }> {
    return this.q.depth.all() as Array<{ channel: string; pending: number; oldest: string }>;
  }

  /** Pending alerts and log lines of a channel: what a digest could replace. */
  condensableCount(channel: string): number {
    return this.q.condensableCount.get(channel) as number;
  }

  /**
   * Replaces a channel's pending alerts and log lines with digest rows, in
   * one transaction: `plan` gets the rows and returns the digests to write,
   * each with the ids it stands for. Rows a digest does not claim stay
   * pending. The condensed rows stay in the table, pointing at their digest.
   */
  condense(channel: string, plan: (rows: CondensableRow[]) => Array<{ body: RichText; priority: number; replaces: number[] }>): number {
    return this.db.transaction(() => {
      const rows = (this.q.condensable.all(channel) as Array<{ id: number; priority: number; created_at: string; digest_key: string }>).map((r) => ({
        id: r.id,
        priority: r.priority,
        created_at: r.created_at,
        facts: JSON.parse(r.digest_key) as DigestFacts,
      }));
      let condensed = 0;
      const now = this.clock.now().toISOString();
      for (const d of plan(rows)) {
        const digestId = Number(this.q.insert.run(channel, null, null, null, null, 0, d.priority, JSON.stringify(d.body), now, null, null).lastInsertRowid);
        for (const id of d.replaces) this.q.condensedInto.run(digestId, id);
        condensed += d.replaces.length;
      }
      return condensed;
    }).immediate();
  }

  markDelivered(id: number): void {
    this.q.delivered.run(this.clock.now().toISOString(), id);
  }

  /** Set aside for good: kept for the record, no longer pending. */
  markUndeliverable(id: number, error: string): void {
    this.q.undeliverable.run(error.slice(0, 500), this.clock.now().toISOString(), id);
  }

  markFailed(id: number, error: string): void {
    this.q.failed.run(error.slice(0, 500), id);
  }
}
