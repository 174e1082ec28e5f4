import { Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from './clock.js';
import type { Outbox } from './delivery/outbox.js';

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

  private readonly depth: Gauge<'channel'>;
  private readonly age: Gauge<'channel'>;
  /** Channels seen with a backlog: one that emptied shows 0, not its last backlog. */
  private readonly known = new Set<string>();

  constructor(private readonly outbox: Outbox, private readonly clock: Clock) {
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

  async render(): Promise<{ contentType: string; body: string }> {
    await this.collectOutbox();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
