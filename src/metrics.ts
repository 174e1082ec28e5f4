import { Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from './clock.js';
import type { Outbox } from './delivery/outbox.js';
import type { Sql } from './store/sql.js';
import { STORE_KINDS, storeStats, type StoreStats } from './store/stats.js';

/** How long a store reading serves scrapes: the numbers move slowly, and the bot's one SQLite connection has better things to do. */
export const STORE_STATS_MAX_AGE_MS = 60_000;

/**
 * What `/metrics` shows, in a registry of its own (no global state, so two
 * bots in one test process do not share counts).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly accepted: Counter<'source'>;
  readonly deduplicated: Counter<'source'>;
  readonly suppressed: Counter<'source'>;
  readonly silenced: Counter<'source'>;
  readonly routed: Counter<'channel'>;
  readonly delivered: Counter<'channel'>;
  readonly condensed: Counter<'channel'>;
  readonly logLines: Counter<'source'>;
  readonly syslogLines: Counter<'transport' | 'result'>;
  /** 1 on the node that holds the leader lease. */
  readonly leader: Gauge;
  readonly epoch: Gauge;
  readonly failovers: Counter;
  /** Lines sent again by a new leader because they were on the wire when the old one was lost. */
  readonly resent: Counter<'channel'>;
  /** Rows deleted by retention, by kind of data (the names of STORE_KINDS). */
  readonly prunedRows: Counter<'kind'>;

  private readonly depth: Gauge<'channel'>;
  private readonly age: Gauge<'channel'>;
  /** Channels seen with a backlog: one that emptied shows 0, not its last backlog. */
  private readonly known = new Set<string>();

  private readonly storeRows: Gauge<'kind'>;
  private readonly storeOldest: Gauge<'kind'>;
  private readonly storeSize: Gauge;
  private readonly storeFree: Gauge;
  private readonly storeTableSize: Gauge<'kind'>;
  /** The last store reading and when it was started; a reading in progress is shared by concurrent scrapes. */
  private store: { at: number; stats: Promise<StoreStats> } | null = null;

  /** Without `db`, /metrics has no store gauges (a Metrics for a test of something else). */
  constructor(private readonly outbox: Outbox, private readonly clock: Clock, private readonly db?: Sql) {
    const r = this.registry;
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [r] });
    this.accepted = counter('opsbridge_alerts_accepted_total', 'Alert notifications accepted and stored', ['source']);
    this.deduplicated = counter('opsbridge_alerts_deduplicated_total', 'Alert notifications counted but not posted: same state within the dedup window', ['source']);
    this.suppressed = counter('opsbridge_alerts_suppressed_total', 'Alert notifications not posted: host in maintenance', ['source']);
    this.silenced = counter('opsbridge_alerts_silenced_total', 'Alert notifications not posted: matched a silence', ['source']);
    this.routed = counter('opsbridge_messages_routed_total', 'Alert and log messages written to the outbox', ['channel']);
    this.delivered = counter('opsbridge_messages_delivered_total', 'Outbox messages the chat platform confirmed', ['channel']);
    this.condensed = counter('opsbridge_messages_condensed_total', 'Outbox messages replaced by a storm digest', ['channel']);
    this.logLines = counter('opsbridge_log_lines_accepted_total', 'Log lines accepted and stored', ['source']);
    this.syslogLines = counter('opsbridge_syslog_lines_total', 'Syslog messages received, by whether they parsed', ['transport', 'result']);

    this.leader = new Gauge({ name: 'opsbridge_leader', help: '1 when this node holds the leader lease (chat connections, delivery, jobs)', registers: [r] });
    this.epoch = new Gauge({ name: 'opsbridge_lease_epoch', help: 'Epoch of the leader lease this node last held', registers: [r] });
    this.failovers = new Counter({ name: 'opsbridge_failovers_total', help: 'Times this node took the lead from another node', registers: [r] });
    this.resent = counter('opsbridge_messages_resent_total', 'Outbox messages sent again after a failover: they were in flight when the old leader was lost', ['channel']);

    this.prunedRows = counter('opsbridge_pruned_rows_total', 'Rows deleted by retention because they were older than the configured age, by kind of data', ['kind']);
    // Zero from the start, so increase() sees the first prune; servers are never pruned.
    for (const { kind } of STORE_KINDS) if (kind !== 'servers') this.prunedRows.inc({ kind }, 0);

    // Read from the store when scraped, at most once a minute; big tables are estimated from their id range (see storeStats).
    // Registered only where they mean something: an unlabelled gauge never set would show 0.
    const on = (engine?: Sql['engine']) => (db && (!engine || db.engine === engine) ? [r] : []);
    this.storeRows = new Gauge({ name: 'opsbridge_store_rows', help: 'Rows in the store by kind of data (tables above 100,000 rows: highest id - lowest id + 1)', labelNames: ['kind'], registers: on() });
    this.storeOldest = new Gauge({ name: 'opsbridge_store_oldest_row_timestamp_seconds', help: 'Time of the oldest row by kind of data, in seconds since 1970 (absent when there are none)', labelNames: ['kind'], registers: on() });
    this.storeSize = new Gauge({ name: 'opsbridge_store_size_bytes', help: 'Space the store takes on disk: SQLite file + WAL, or pg_database_size', registers: on() });
    this.storeFree = new Gauge({ name: 'opsbridge_store_free_bytes', help: 'Free pages inside the SQLite file: reused by new rows, returned to the disk by VACUUM', registers: on('sqlite') });
    this.storeTableSize = new Gauge({ name: 'opsbridge_store_table_size_bytes', help: "A kind of data's table and its indexes on disk (pg_total_relation_size)", labelNames: ['kind'], registers: on('postgres') });

    // Read from the outbox table when scraped: rows written by other processes count too.
    this.depth = new Gauge({ name: 'opsbridge_outbox_pending', help: 'Messages waiting in the outbox', labelNames: ['channel'], registers: [r] });
    this.age = new Gauge({ name: 'opsbridge_outbox_oldest_pending_seconds', help: 'Age of the oldest waiting message', labelNames: ['channel'], registers: [r] });
  }

  private async collectOutbox(): Promise<void> {
    const now = this.clock.now().getTime();
    const rows = await this.outbox.depth();
    const seen = new Set(rows.map((r) => r.channel));
    for (const c of this.known) if (!seen.has(c)) {
      this.depth.set({ channel: c }, 0);
      this.age.set({ channel: c }, 0);
    }
    for (const row of rows) {
      this.known.add(row.channel);
      this.depth.set({ channel: row.channel }, row.pending);
      this.age.set({ channel: row.channel }, Math.max(0, (now - Date.parse(row.oldest)) / 1000));
    }
  }

  private async collectStore(): Promise<void> {
    if (!this.db) return;
    const now = this.clock.now().getTime();
    if (!this.store || now - this.store.at >= STORE_STATS_MAX_AGE_MS || now < this.store.at) {
      const reading = { at: now, stats: storeStats(this.db) };
      this.store = reading;
      // A failed reading is not kept: the next scrape tries again.
      reading.stats.catch(() => {
        if (this.store === reading) this.store = null;
      });
    }
    const s = await this.store.stats;
    for (const k of s.kinds) {
      this.storeRows.set({ kind: k.kind }, k.rows);
      const t = k.oldest === null ? NaN : Date.parse(k.oldest);
      if (Number.isNaN(t)) this.storeOldest.remove({ kind: k.kind });
      else this.storeOldest.set({ kind: k.kind }, t / 1000);
      if (k.bytes !== null) this.storeTableSize.set({ kind: k.kind }, k.bytes);
    }
    this.storeSize.set(s.size.totalBytes);
    if (s.size.engine === 'sqlite') this.storeFree.set(s.size.freePages * s.size.pageSize);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.collectOutbox();
    await this.collectStore();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
