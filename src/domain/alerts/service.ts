import type { Logger } from 'pino';
import { bold, join, line, richText } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import { UserError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { Job } from '../../scheduler/scheduler.js';
import type { DB } from '../../store/database.js';
import type { Routes } from '../routing/routes.js';
import type { Subject } from '../routing/pattern.js';
import type { Inventory } from '../servers/inventory.js';
import type { Server } from '../servers/model.js';
import { parseIp } from '../servers/ip.js';
import { alertMessage, type AlertNews } from './format.js';
import type { Alert, AlertInput } from './model.js';
import type { Matcher, Silence, SilenceStore } from './silences.js';
import type { AlertStore } from './store.js';
import type { Links } from '../../links.js';

export interface AlertServiceDeps {
  db: DB;
  clock: Clock;
  store: AlertStore;
  silences: SilenceStore;
  inventory: Inventory;
  outbox: Outbox;
  routes: Routes;
  metrics: Metrics;
  log: Logger;
  dedupWindowMs: number;
  repeatIntervalMs: number;
  /** Whether a running maintenance window covers the host (set once maintenance is built). */
  inMaintenanceWindow?: (serverId: number) => boolean;
  /** Where an alert's link points when its source gave none. */
  links: Links;
}

export interface Accepted {
  id: number;
  fingerprint: string;
  /** What the notification did to the stored alert (see Outcome), or why it was held back. */
  outcome: string;
  /** Whether it was written to a channel's outbox. */
  posted: boolean;
}

/**
 * Alerts from every source: stored first (the caller answers only after
 * the transaction committed), then posted to the channels their route names,
 * unless deduplicated, silenced or held back for maintenance.
 */
export class AlertService {
  // Made once: building a better-sqlite3 transaction function costs more than a small write.
  private readonly ingestBatch;

  constructor(private readonly d: AlertServiceDeps) {
    this.ingestBatch = d.db.transaction((inputs: AlertInput[]) => inputs.map((i) => this.ingestOne(i)));
    d.inventory.onStatusChange((serverId, change) => {
      // Still inside a running window: its alerts stay held until the window ends.
      if (change.from_status !== 'maintenance' || d.inMaintenanceWindow?.(serverId)) return;
      const entered = d.inventory.history(serverId, 50).find((h) => h.to_status === 'maintenance');
      if (entered) this.releaseMaintenance(serverId, entered.at);
    });
  }

  /** Stores and routes a batch in one transaction; returns what was accepted. */
  ingest(inputs: AlertInput[]): Accepted[] {
    // Inside a caller's transaction (group commit) a savepoint would only cost time.
    return this.d.db.inTransaction ? inputs.map((i) => this.ingestOne(i)) : this.ingestBatch.immediate(inputs);
  }

  private ingestOne(input: AlertInput): Accepted {
    const { store, metrics } = this.d;
    const server = input.host ? this.findServer(input.host) : null;
    const subject = subjectOf(input, server?.name ?? input.host);
    const quiet = input.status === 'firing' ? this.quietReason(subject, server) : null;
    const { alert, outcome } = store.record(input, { serverId: server?.id ?? null, host: server?.name ?? input.host ?? null }, this.d.dedupWindowMs, quiet);
    metrics.accepted.inc({ source: input.source });

    let news: AlertNews | null = null;
    if (quiet) metrics[quiet === 'maintenance' ? 'suppressed' : 'silenced'].inc({ source: input.source });
    else if (outcome === 'opened') news = 'firing';
    else if (outcome === 'escalated' || (outcome === 'repeat' && !alert.acked_at)) news = 'repeat';
    else if (outcome === 'resolved' && alert.last_notified_at) news = 'resolved';
    else if (outcome === 'deduplicated' || outcome === 'repeat') metrics.deduplicated.inc({ source: input.source });
    if (news) this.post(alert, news, subject);
    return { id: alert.id, fingerprint: alert.fingerprint, outcome: quiet ? (quiet === 'maintenance' ? 'suppressed' : 'silenced') : outcome, posted: news !== null };
  }

  /** Writes the alert's message to the outbox of each channel its route names. */
  private post(alert: Alert, news: AlertNews, subject: Subject): void {
    const { channels } = this.d.routes.route(subject);
    const body = alertMessage(alert, news, this.d.clock.now(), this.d.links);
    const priority = alert.severity === 'critical' && news !== 'resolved' ? 1 : 0;
    for (const channel of channels) {
      this.d.outbox.enqueue({
        channel,
        body,
        priority,
        digest: { kind: 'alert', id: alert.id, status: news === 'resolved' ? 'resolved' : 'firing', name: alert.name, severity: alert.severity, host: alert.host },
      });
      this.d.metrics.routed.inc({ channel });
    }
    this.d.store.markNotified(alert.id);
    if (news === 'reminder') this.d.store.addEvent(alert.id, 'reminded', null, null);
  }

  /** Channels an alert goes to: where acks and maintenance summaries are told. */
  channelsFor(alert: Alert): string[] {
    return this.d.routes.route(subjectOf(alertInputOf(alert), alert.host ?? undefined)).channels;
  }

  /** The inventory host an alert names: by name or FQDN, or by address. */
  findServer(host: string): Server | null {
    const inv = this.d.inventory;
    const byName = inv.get(host);
    if (byName) return byName;
    if (parseIp(host)) {
      const r = inv.findByAddress(host, 2);
      return r && r.total === 1 ? r.servers[0]! : null;
    }
    // No short-name guess: web01.staging.example.org is not the production web01.
    return null;
  }

  private quietReason(subject: Subject, server: Server | null): string | null {
    const silence = this.d.silences.find(subject);
    if (silence) return `silence:${silence.id}`;
    if (server && (server.status === 'maintenance' || this.d.inMaintenanceWindow?.(server.id))) return 'maintenance';
    return null;
  }

  /**
   * Firing alerts whose silence ended (it ran out, or !unsilence) are no
   * longer held back: each is posted now. Run by the timer and by !unsilence.
   */
  releaseEndedSilences(): number {
    const active = new Set(this.d.silences.active().map((s) => `silence:${s.id}`));
    const released = this.d.store.silencedFiring().filter((a) => !active.has(a.suppressed!));
    if (released.length === 0) return 0;
    this.d.db.transaction(() => {
      for (const a of released) {
        const subject = subjectOf(alertInputOf(a), a.host ?? undefined);
        // Another silence may cover it now.
        const still = this.quietReason(subject, a.server_id === null ? null : this.d.inventory.getById(a.server_id));
        this.d.store.setQuiet(a.id, still, null);
        if (!still) this.post(this.d.store.get(a.id)!, 'firing', subject);
      }
    }).immediate();
    return released.length;
  }

  unsilence(id: number, actor: string): boolean {
    const removed = this.d.silences.remove(id, actor);
    if (removed) this.releaseEndedSilences();
    return removed;
  }

  /** For the scheduler: an ended silence's alerts and a due reminder go out at most half a minute late. */
  jobs(): Job[] {
    return [
      { name: 'alert silences', every: '*/30 * * * * *', run: () => this.releaseEndedSilences() },
      { name: 'alert reminders', every: '*/30 * * * * *', run: () => this.remindUnacknowledged() },
    ];
  }

  /** Posts critical alerts nobody acknowledged again, every repeat interval. Run by a timer. */
  remindUnacknowledged(): number {
    if (this.d.repeatIntervalMs <= 0) return 0;
    const before = new Date(this.d.clock.now().getTime() - this.d.repeatIntervalMs);
    const due = this.d.store.dueRepeats(before);
    this.d.db.transaction(() => {
      for (const a of due) this.post(a, 'reminder', subjectOf(alertInputOf(a), a.host ?? undefined));
    }).immediate();
    return due.length;
  }

  /** `by` is the name people know (shown), `actor` the verified identity (kept in the history). */
  ack(id: number, by: { name: string; actor: string }, note: string | null, from: string | undefined): Alert {
    const alert = this.requireAlert(id);
    if (alert.status === 'resolved') throw new UserError(`alert #${id} (${alert.name}) is already resolved`);
    if (alert.acked_at) throw new UserError(`alert #${id} was already acknowledged by ${alert.acked_by}`);
    this.d.db.transaction(() => {
      this.d.store.ack(id, by, note);
      // The channels that saw the alert hear who took it; the asker's channel gets the reply.
      if (alert.last_notified_at === null) return;
      const body = richText(line(...join(['✔', bold(`#${id} ${alert.name}`), alert.host && `on ${alert.host}`, `acknowledged by ${by.name}`, note && `— ${note}`])));
      for (const channel of this.channelsFor(alert)) if (channel !== from) this.d.outbox.enqueue({ channel, body });
    }).immediate();
    return this.d.store.get(id)!;
  }

  requireAlert(id: number): Alert {
    const alert = this.d.store.get(id);
    if (!alert) throw new UserError(`no alert #${id}`);
    return alert;
  }

  /** Adds a silence and marks the firing alerts it covers; returns it with how many it covered. */
  silence(matchers: Matcher[], durationMs: number, actor: string, reason: string | null): { silence: Silence; covered: number } {
    return this.d.db.transaction(() => {
      const silence = this.d.silences.add(matchers, durationMs, actor, reason);
      let covered = 0;
      for (let offset = 0; ; offset += 500) {
        const page = this.d.store.list({ status: 'firing', limit: 500, offset }).alerts;
        for (const a of page) {
          if (a.suppressed || this.d.silences.find(subjectOf(alertInputOf(a), a.host ?? undefined))?.id !== silence.id) continue;
          this.d.store.setQuiet(a.id, `silence:${silence.id}`, actor);
          covered++;
        }
        if (page.length < 500) break;
      }
      return { silence, covered };
    }).immediate();
  }

  /**
   * Hosts a maintenance window no longer covers now that it ended. One whose
   * status someone set by hand meanwhile gets no status change to release its
   * held alerts, so they are released here, as held since the window started.
   */
  releaseHostsLeftByWindow(serverIds: number[], startedAt: string): void {
    for (const id of serverIds) {
      if (this.d.inventory.getById(id)?.status !== 'maintenance' && this.d.store.heldForMaintenance(id).length > 0) this.releaseMaintenance(id, startedAt);
    }
  }

  /**
   * A host's alerts are no longer held for maintenance (its status left
   * `maintenance`, or the last window covering it ended): the still-firing
   * ones are released, and one line tells their channels what was held back
   * since `since`.
   */
  releaseMaintenance(serverId: number, since: string): void {
    const server = this.d.inventory.getById(serverId);
    if (!server) return;
    // Everything held since it entered, and whatever still fires held (a silence may have
    // handed an older alert over to maintenance): the summary below is their post.
    const stillHeld = this.d.store.heldForMaintenance(serverId);
    const byId = new Map([...this.d.store.suppressedSince(serverId, since), ...stillHeld].map((a) => [a.id, a]));
    const held = [...byId.values()];
    if (held.length === 0) return;
    const firing = held.filter((a) => a.status === 'firing');
    const names = [...new Set(firing.map((a) => a.name))];
    const body = richText(
      line(
        ...join([
          bold(server.name),
          `left maintenance: ${held.length} alert${held.length === 1 ? ' was' : 's were'} suppressed while it was in maintenance`,
          firing.length > 0 ? `— ${firing.length} still firing: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}` : '— all resolved',
        ]),
      ),
    );
    const channels = new Set(held.flatMap((a) => this.channelsFor(a)));
    // Released and told in one transaction: never "notified" without the line that tells.
    this.d.db.transaction(() => {
      for (const a of stillHeld) {
        this.d.store.setQuiet(a.id, null, null);
        this.d.store.markNotified(a.id);
      }
      for (const channel of channels) this.d.outbox.enqueue({ channel, body });
    }).immediate();
    this.d.log.info({ host: server.name, suppressed: held.length }, 'host left maintenance');
  }
}

/** What routes and silences see of an alert: `host` is the inventory name when it matched. */
export function subjectOf(a: AlertInput, host: string | undefined): Subject {
  return {
    kind: 'alert',
    source: a.source,
    severity: a.severity,
    ...(host && { host }),
    alertname: a.name,
    labels: a.labels,
    message: a.text ? `${a.summary}\n${a.text}` : a.summary,
  };
}

function alertInputOf(a: Alert): AlertInput {
  return {
    source: a.source, name: a.name, severity: a.severity, status: a.status, labels: a.labels, summary: a.summary,
    ...(a.text && { text: a.text }), ...(a.host && { host: a.host }),
  };
}
