import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { RetentionConfig } from '../../config/schema.js';
import type { Job } from '../../scheduler/scheduler.js';
import type { Sql } from '../../store/sql.js';

/** What pruning removes, named as `opsbridge db stats` and `/metrics` name them. */
export type PrunedKind = 'log_lines' | 'alerts' | 'alert_events' | 'outbox' | 'git_pushes' | 'server_status_history' | 'tickets' | 'ticket_events';

export type PruneCounts = Partial<Record<PrunedKind, number>>;

export interface PruneReport {
  deleted: PruneCounts;
  /** SQLite pages given back to the file system (incremental vacuum). */
  freedPages: number;
  ms: number;
  /** The longest any one batch (or vacuum step) held the store: what ingest may have waited. */
  longestBatchMs: number;
  /** stop() was called before everything due was removed. */
  stopped: boolean;
}

export interface PrunerDeps {
  db: Sql;
  clock: Clock;
  retention: RetentionConfig;
  /** Called after each batch, e.g. to count in /metrics. */
  onDeleted?: (kind: PrunedKind, rows: number) => void;
  /** Where a run that removed something is told (info), and a batch far over its budget (debug). */
  log?: Logger;
  /**
   * How long one batch may hold the store. Each batch is a transaction of its
   * own: on SQLite it holds the one writer (and blocks the event loop), so
   * ingest waits at most about this long. The batch size adapts to it.
   */
  batchBudgetMs?: number;
  /** Pause after a batch, as a multiple of the batch's time: ingest gets the writer at least this share of the time. */
  yieldRatio?: number;
}

/** One rule: removes up to `limit` rows that may go; `more` when there may be more. */
interface Sweep {
  name: string;
  batch(limit: number): Promise<{ counts: PruneCounts; more: boolean }>;
}

/** WAL pages between checkpoints while a run deletes (SQLite's own default). */
const PRUNING_CHECKPOINT_PAGES = 1000;

const MIN_BATCH = 50;
const MAX_BATCH = 5_000;
// A first batch as small as they get: a kind whose rows are dear to delete (log
// lines take their words out of the search index) reaches its size from below,
// never holding the store for tens of milliseconds while it learns.
const FIRST_BATCH = MIN_BATCH;

// Each finds its rows through an index (0002's log_lines_received, 0010's) and
// deletes one batch in one statement.
const LOGS_BEFORE = 'DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE received_at < ? ORDER BY received_at LIMIT ?)';
const LOGS_UP_TO = 'DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE id <= ? ORDER BY id LIMIT ?)';
const resolvedBefore = (index: string) => `SELECT id FROM alerts ${index} WHERE status = 'resolved' AND resolved_at < ? ORDER BY resolved_at LIMIT ?`;
/**
 * SQLite, without statistics, prefers alerts_status for `status = ?` and then
 * sorts every resolved alert by time on each batch (5 ms at 15,000 alerts,
 * growing with the year): it is told which index. PostgreSQL plans it well.
 */
export const RESOLVED_BEFORE = { sqlite: resolvedBefore('INDEXED BY alerts_resolved'), postgres: resolvedBefore('') } as const;
// An alert an undelivered outbox row is about (read from the pending index, so cheap).
const ALERTS_IN_OUTBOX = `SELECT digest_key FROM outbox
  WHERE delivered_at IS NULL AND undeliverable_at IS NULL AND condensed_into IS NULL AND kind = 'alert'`;
// The outbox is walked in id order, which is creation order. A row is done
// once delivered or given up on; a row condensed into a digest, once the digest is.
const OUTBOX_AFTER = `SELECT o.id, o.created_at,
    coalesce(o.delivered_at, o.undeliverable_at, CASE WHEN o.condensed_into IS NOT NULL THEN coalesce(d.delivered_at, d.undeliverable_at) END) AS done_at
  FROM outbox o LEFT JOIN outbox d ON d.id = o.condensed_into WHERE o.id > ? ORDER BY o.id LIMIT ?`;
const PUSHES_BEFORE = `DELETE FROM git_pushes WHERE (repo, ref, before_sha, after_sha) IN
  (SELECT repo, ref, before_sha, after_sha FROM git_pushes WHERE received_at < ? ORDER BY received_at LIMIT ?)`;
const STATUS_BEFORE = 'DELETE FROM server_status_history WHERE id IN (SELECT id FROM server_status_history WHERE at < ? ORDER BY at LIMIT ?)';
const CLOSED_BEFORE = `SELECT id FROM tickets WHERE status = 'closed' AND updated_at < ? ORDER BY updated_at LIMIT ?`;
/** A ticket's rows in every table that names it; the ticket itself last. */
const TICKET_TABLES = ['ticket_watchers', 'ticket_hosts', 'ticket_commits', 'ticket_search'] as const;

/**
 * Retention: removes what is older than the configured ages, in small
 * batches so that ingest never waits long for the store, then gives the
 * space back. Only finished rows go: a firing alert, an undelivered outbox
 * row, an open ticket and its links stay whatever their age.
 */
export class Pruner {
  private readonly sizes = new Map<string, number>();
  private stopping = false;
  private longest = 0;

  constructor(private readonly d: PrunerDeps) {}

  /** Every minute on the leader; a run that finds nothing due costs a few index seeks. */
  job(): Job {
    return {
      name: 'retention',
      every: '40 * * * * *',
      run: async () => {
        const r = await this.run();
        if (Object.keys(r.deleted).length > 0 || r.freedPages > 0) {
          this.d.log?.info({ deleted: r.deleted, freedPages: r.freedPages, ms: Math.round(r.ms), longestBatchMs: Math.round(r.longestBatchMs * 10) / 10, stopped: r.stopped }, 'retention pruned old rows');
        }
      },
      cancel: () => this.stop(),
    };
  }

  /** Ends a run between two batches: what is left goes next time. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<PruneReport> {
    this.stopping = false;
    this.longest = 0;
    const started = performance.now();
    const deleted: PruneCounts = {};
    let freedPages = 0;
    const restoreCheckpoints = await this.smallCheckpoints();
    try {
      await this.sweepAll(deleted);
      if (!this.stopping) freedPages = await this.vacuum();
    } finally {
      await restoreCheckpoints();
    }
    return { deleted, freedPages, ms: performance.now() - started, longestBatchMs: this.longest, stopped: this.stopping };
  }

  private async sweepAll(deleted: PruneCounts): Promise<void> {
    for (const sweep of await this.sweeps()) {
      for (let more = true; more && !this.stopping; ) {
        const limit = this.sizes.get(sweep.name) ?? FIRST_BATCH;
        const t0 = performance.now();
        const r = await sweep.batch(limit);
        const ms = performance.now() - t0;
        this.noteBatch(sweep.name, limit, ms);
        this.adapt(sweep.name, limit, ms);
        for (const [kind, n] of Object.entries(r.counts) as Array<[PrunedKind, number]>) {
          if (n === 0) continue;
          deleted[kind] = (deleted[kind] ?? 0) + n;
          this.d.onDeleted?.(kind, n);
        }
        more = r.more;
        if (more) await this.pause(ms);
      }
    }
  }

  /**
   * SQLite: while deleting, checkpoint every 1,000 WAL pages instead of the
   * bot's 10,000. Old log lines dirty about one host-index page each, and a
   * checkpoint writes them all back while ingest waits: ten times smaller
   * checkpoints halved ingest's p99 during a 2M-line prune (42–51 ms → 20–26
   * ms) for a run 15% longer. Returns how to put the setting back.
   */
  private async smallCheckpoints(): Promise<() => Promise<void>> {
    const { db } = this.d;
    if (db.engine !== 'sqlite') return async () => {};
    const before = Number(await db.value('PRAGMA wal_autocheckpoint'));
    if (before <= PRUNING_CHECKPOINT_PAGES) return async () => {};
    await db.exec(`PRAGMA wal_autocheckpoint = ${PRUNING_CHECKPOINT_PAGES}`);
    return () => db.exec(`PRAGMA wal_autocheckpoint = ${before}`);
  }

  private noteBatch(name: string, size: number, ms: number): void {
    this.longest = Math.max(this.longest, ms);
    if (ms > 3 * (this.d.batchBudgetMs ?? 2)) this.d.log?.debug({ sweep: name, size, ms: Math.round(ms * 10) / 10 }, 'retention: a batch took far over its budget');
  }

  /** Halves a batch that took longer than the budget, doubles one well under it. */
  private adapt(name: string, limit: number, ms: number): void {
    const budget = this.d.batchBudgetMs ?? 2;
    if (ms > budget * 1.5) this.sizes.set(name, Math.max(MIN_BATCH, Math.floor(limit / 2)));
    else if (ms < budget / 2) this.sizes.set(name, Math.min(MAX_BATCH, limit * 2));
  }

  private pause(batchMs: number): Promise<void> {
    const ms = batchMs * (this.d.yieldRatio ?? 1);
    return ms >= 1 ? sleep(ms) : new Promise((resolve) => setImmediate(resolve));
  }

  private async sweeps(): Promise<Sweep[]> {
    const { db, retention: r } = this.d;
    const now = this.d.clock.now().getTime();
    const before = (ageMs: number) => new Date(now - ageMs).toISOString();
    const deleting = (name: string, kind: PrunedKind, sql: string, bound: unknown): Sweep => ({
      name,
      async batch(limit) {
        const { changes } = await db.run(sql, [bound, limit]);
        return { counts: { [kind]: changes }, more: changes >= limit };
      },
    });
    const sweeps: Sweep[] = [];
    if (r.log_lines !== null) sweeps.push(deleting('log lines by age', 'log_lines', LOGS_BEFORE, before(r.log_lines)));
    if (r.max_log_rows !== undefined) {
      // Ids grow by one per line and the oldest go first, so the newest
      // max_log_rows lines are those above this bound; no COUNT over millions.
      const last = Number((await db.value<number>('SELECT MAX(id) FROM log_lines')) ?? 0);
      if (last > r.max_log_rows) sweeps.push(deleting('log lines over the cap', 'log_lines', LOGS_UP_TO, last - r.max_log_rows));
    }
    if (r.resolved_alerts !== null) sweeps.push(this.alertSweep(before(r.resolved_alerts)));
    if (r.delivered_outbox !== null) sweeps.push(this.outboxSweep(before(r.delivered_outbox)));
    if (r.git_pushes !== null) sweeps.push(deleting('git pushes', 'git_pushes', PUSHES_BEFORE, before(r.git_pushes)));
    if (r.status_history !== null) sweeps.push(deleting('status history', 'server_status_history', STATUS_BEFORE, before(r.status_history)));
    if (r.closed_tickets !== null) sweeps.push(this.ticketSweep(before(r.closed_tickets)));
    return sweeps;
  }

  private alertSweep(cutoff: string): Sweep {
    const { db } = this.d;
    let pinned: Set<number> | undefined;
    return {
      name: 'resolved alerts',
      async batch(limit) {
        // Read once per run: an alert resolved long ago whose news still waits
        // in the outbox (a chat down for months) stays until it is delivered.
        pinned ??= new Set((await db.column<string>(ALERTS_IN_OUTBOX)).map((k) => (JSON.parse(k) as { id: number }).id));
        const keep = pinned;
        return db.tx(async () => {
          const found = await db.column<number>(RESOLVED_BEFORE[db.engine], [cutoff, limit + keep.size]);
          const ids = found.filter((id) => !keep.has(Number(id)));
          if (ids.length === 0) return { counts: {}, more: false };
          const list = placeholders(ids.length);
          const events = await db.run(`DELETE FROM alert_events WHERE alert_id IN (${list})`, ids);
          const alerts = await db.run(`DELETE FROM alerts WHERE id IN (${list}) AND status = 'resolved'`, ids);
          return { counts: { alerts: alerts.changes, alert_events: events.changes }, more: found.length >= limit + keep.size };
        });
      },
    };
  }

  private outboxSweep(cutoff: string): Sweep {
    const { db } = this.d;
    let after = 0;
    return {
      name: 'delivered outbox',
      async batch(limit) {
        const rows = await db.all<{ id: number; created_at: string; done_at: string | null }>(OUTBOX_AFTER, [after, limit]);
        // Rows made after the cutoff cannot have finished before it: the walk ends there.
        const old = rows.filter((row) => row.created_at < cutoff);
        const ids = old.filter((row) => row.done_at !== null && row.done_at < cutoff).map((row) => Number(row.id));
        if (old.length > 0) after = Number(old[old.length - 1]!.id);
        const { changes } = ids.length ? await db.run(`DELETE FROM outbox WHERE id IN (${placeholders(ids.length)})`, ids) : { changes: 0 };
        return { counts: { outbox: changes }, more: rows.length >= limit && old.length === rows.length };
      },
    };
  }

  private ticketSweep(cutoff: string): Sweep {
    const { db } = this.d;
    return {
      name: 'closed tickets',
      batch: (limit) =>
        db.tx(async () => {
          const ids = await db.column<number>(CLOSED_BEFORE, [cutoff, limit]);
          if (ids.length === 0) return { counts: {}, more: false };
          const list = placeholders(ids.length);
          for (const table of TICKET_TABLES) await db.run(`DELETE FROM ${table} WHERE ticket_id IN (${list})`, ids);
          const events = await db.run(`DELETE FROM ticket_events WHERE ticket_id IN (${list})`, ids);
          const tickets = await db.run(`DELETE FROM tickets WHERE id IN (${list}) AND status = 'closed'`, ids);
          return { counts: { tickets: tickets.changes, ticket_events: events.changes }, more: ids.length >= limit };
        }),
    };
  }

  /**
   * SQLite keeps freed pages inside the file; with auto_vacuum=INCREMENTAL
   * (every database this bot creates) they are handed back a slice at a
   * time. A database made before that setting reuses them instead, until
   * `opsbridge db vacuum`. PostgreSQL's autovacuum does this on its own.
   */
  private async vacuum(): Promise<number> {
    const { db } = this.d;
    if (db.engine !== 'sqlite' || Number(await db.value('PRAGMA auto_vacuum')) !== 2) return 0;
    let freed = 0;
    let pages = 16;
    while (!this.stopping) {
      const free = Number(await db.value('PRAGMA freelist_count'));
      if (free === 0) break;
      const step = Math.min(free, pages);
      const t0 = performance.now();
      await db.exec(`PRAGMA incremental_vacuum(${step})`);
      const ms = performance.now() - t0;
      this.noteBatch('vacuum', step, ms);
      freed += step;
      const budget = this.d.batchBudgetMs ?? 2;
      if (ms > budget * 1.5) pages = Math.max(16, Math.floor(pages / 2));
      else if (ms < budget / 2) pages = Math.min(16_384, pages * 2);
      await this.pause(ms);
    }
    return freed;
  }
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
