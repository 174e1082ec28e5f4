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
}

type Row = Omit<OutboxEntry, 'body'> & { body: string };

/**
 * The outbox table: every message for a chat is written here first and
 * marked delivered only once the adapter confirmed it. Another process
 * (`opsbridge run`, a git hook) may write rows too; the running bot polls.
 */
export class Outbox {
  private readonly q;
  private readonly listeners = new Set<() => void>();

  constructor(db: DB, private readonly clock: Clock) {
    this.q = {
      insert: db.prepare('INSERT INTO outbox (channel, thread, recipient, asker, author, action, priority, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      channels: db.prepare('SELECT DISTINCT channel FROM outbox WHERE delivered_at IS NULL AND undeliverable_at IS NULL').pluck(),
      pending: db.prepare(`SELECT id, channel, thread, recipient, asker, author, action, priority, body, created_at, attempts FROM outbox
        WHERE delivered_at IS NULL AND undeliverable_at IS NULL AND channel = ? ORDER BY priority DESC, id LIMIT ?`),
      delivered: db.prepare('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?'),
      failed: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?'),
      undeliverable: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, undeliverable_at = ? WHERE id = ?'),
      count: db.prepare('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND undeliverable_at IS NULL').pluck(),
    };
  }

  enqueue(e: NewOutboxEntry): number {
    const id = Number(
      this.q.insert.run(e.channel, e.thread ?? null, e.recipient ?? null, e.asker ?? null, e.author ?? null, e.action ? 1 : 0, e.priority ?? 0, JSON.stringify(e.body), this.clock.now().toISOString()).lastInsertRowid,
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
