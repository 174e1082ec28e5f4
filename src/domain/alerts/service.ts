import type { Logger } from 'pino';
import { bold, join, line, richText } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import { UserError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { Job } from '../../scheduler/scheduler.js';
import type { Sql } from '../../store/sql.js';
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
  db: Sql;
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
  inMaintenanceWindow?: (serverId: number) => boolean | Promise<boolean>;
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
  constructor(private readonly d: AlertServiceDeps) {
    // The inventory awaits its listeners after each status change: the release writes.
    d.inventory.onStatusChange(async (serverId, change) => {
      // Still inside a running window: its alerts stay held until the window ends.
      if (change.from_status !== 'maintenance' || (await d.inMaintenanceWindow?.(serverId))) return;
      const entered = (await d.inventory.history(serverId, 50)).find((h) => h.to_status === 'maintenance');
      if (entered) await this.releaseMaintenance(serverId, entered.at);
    });
  }

  /** Stores and routes a batch in one transaction; returns what was accepted. */
  ingest(inputs: AlertInput[]): Promise<Accepted[]> {
    return this.d.db.tx(() => this.ingestInTransaction(inputs));
  }

  /**
   * As `ingest`, for a caller that already holds the transaction (group
   * commit): a savepoint of its own would only cost time.
   */
  async ingestInTransaction(inputs: AlertInput[]): Promise<Accepted[]> {
    const out: Accepted[] = [];
    for (const i of inputs) out.push(await this.ingestOne(i));
    return out;
  }

  private async ingestOne(input: AlertInput): Promise<Accepted> {
    const { store, metrics } = this.d;
    const server = input.host ? await this.findServer(input.host) : null;
    const subject = subjectOf(input, server?.name ?? input.host);
    const quiet = input.status === 'firing' ? await this.quietReason(subject, server) : null;
    const { alert, outcome, notified } = await store.record(input, { serverId: server?.id ?? null, host: server?.name ?? input.host ?? null }, this.d.dedupWindowMs, quiet);
    metrics.accepted.inc({ source: input.source });

    let news: AlertNews | null = null;
    if (quiet) metrics[quiet === 'maintenance' ? 'suppressed' : 'silenced'].inc({ source: input.source });
    else if (outcome === 'opened') news = 'firing';
    else if (outcome === 'escalated' || (outcome === 'repeat' && !alert.acked_at)) news = 'repeat';
    else if (outcome === 'resolved' && alert.last_notified_at) news = 'resolved';
    else if (outcome === 'deduplicated' || outcome === 'repeat') metrics.deduplicated.inc({ source: input.source });
    if (news) await this.post(alert, news, subject, notified);
    return { id: alert.id, fingerprint: alert.fingerprint, outcome: quiet ? (quiet === 'maintenance' ? 'suppressed' : 'silenced') : outcome, posted: news !== null };
  }

  /**
   * Writes the alert's message to the outbox of each channel its route names.
   * `notified`: the store already wrote the row as posted now (a new alert).
   */
  private async post(alert: Alert, news: AlertNews, subject: Subject, notified = false): Promise<void> {
    const { channels } = this.d.routes.route(subject);
    const body = alertMessage(alert, news, this.d.clock.now(), this.d.links);
    const priority = alert.severity === 'critical' && news !== 'resolved' ? 1 : 0;
    for (const channel of channels) {
      await this.d.outbox.enqueue({
        channel,
        body,
        priority,
        digest: { kind: 'alert', id: alert.id, status: news === 'resolved' ? 'resolved' : 'firing', name: alert.name, severity: alert.severity, host: alert.host },
      });
      this.d.metrics.routed.inc({ channel });
    }
    if (!notified) await this.d.store.markNotified(alert.id);
    if (news === 'reminder') await this.d.store.addEvent(alert.id, 'reminded', null, null);
  }

  /** Channels an alert goes to: where acks and maintenance summaries are told. */
  channelsFor(alert: Alert): string[] {
    return this.d.routes.route(subjectOf(alertInputOf(alert), alert.host ?? undefined)).channels;
  }

  /** The inventory host an alert names: by name or FQDN, or by address. */
  async findServer(host: string): Promise<Server | null> {
    const inv = this.d.inventory;
    const byName = await inv.get(host);
    if (byName) return byName;
    if (parseIp(host)) {
      const r = await inv.findByAddress(host, 2);
      return r && r.total === 1 ? r.servers[0]! : null;
    }
    // No short-name guess: web01.staging.example.org is not the production web01.
    return null;
  }

  private async quietReason(subject: Subject, server: Server | null): Promise<string | null> {
    const silence = await this.d.silences.find(subject);
    if (silence) return `silence:${silence.id}`;
    if (server && (server.status === 'maintenance' || (await this.d.inMaintenanceWindow?.(server.id)))) return 'maintenance';
    return null;
  }

  /**
   * Firing alerts whose silence ended (it ran out, or !unsilence) are no
   * longer held back: each is posted now. Run by the timer and by !unsilence.
   */
  async releaseEndedSilences(): Promise<number> {
    // Most runs find nothing: looked for outside a transaction, so they take no write lock.
    if ((await this.endedSilenceAlerts()).length === 0) return 0;
    // Read again inside the one that releases them: a concurrent run (the timer and
    // !unsilence) must not post the same alert twice.
    return this.d.db.tx(async () => {
      const released = await this.endedSilenceAlerts();
      for (const a of released) {
        const subject = subjectOf(alertInputOf(a), a.host ?? undefined);
        // Another silence may cover it now.
        const still = await this.quietReason(subject, a.server_id === null ? null : await this.d.inventory.getById(a.server_id));
        await this.d.store.setQuiet(a.id, still, null);
        if (!still) await this.post((await this.d.store.get(a.id))!, 'firing', subject);
      }
      return released.length;
    });
  }

  /** Firing alerts held back by a silence that is no longer active. */
  private async endedSilenceAlerts(): Promise<Alert[]> {
    const active = new Set((await this.d.silences.active()).map((s) => `silence:${s.id}`));
    return (await this.d.store.silencedFiring()).filter((a) => !active.has(a.suppressed!));
  }

  async unsilence(id: number, actor: string): Promise<boolean> {
    const removed = await this.d.silences.remove(id, actor);
    if (removed) await this.releaseEndedSilences();
    return removed;
  }

  /** For the scheduler: an ended silence's alerts and a due reminder go out at most half a minute late. */
  jobs(): Job[] {
    return [
      { name: 'alert silences', every: '*/30 * * * * *', run: async () => void (await this.releaseEndedSilences()) },
      { name: 'alert reminders', every: '*/30 * * * * *', run: async () => void (await this.remindUnacknowledged()) },
    ];
  }

  /** Posts critical alerts nobody acknowledged again, every repeat interval. Run by a timer. */
  async remindUnacknowledged(): Promise<number> {
    if (this.d.repeatIntervalMs <= 0) return 0;
    const before = new Date(this.d.clock.now().getTime() - this.d.repeatIntervalMs);
    // As for silences: a quick look without the write lock, then the real read in the transaction that posts.
    if ((await this.d.store.dueRepeats(before)).length === 0) return 0;
    return this.d.db.tx(async () => {
      const due = await this.d.store.dueRepeats(before);
      for (const a of due) await this.post(a, 'reminder', subjectOf(alertInputOf(a), a.host ?? undefined));
      return due.length;
    });
  }

  /** `by` is the name people know (shown), `actor` the verified identity (kept in the history). */
  ack(id: number, by: { name: string; actor: string }, note: string | null, from: string | undefined): Promise<Alert> {
    // Checked in the transaction that acks: two people acking at once get one ack and one "already acknowledged".
    return this.d.db.tx(async () => {
      const alert = await this.requireAlert(id);
      if (alert.status === 'resolved') throw new UserError(`alert #${id} (${alert.name}) is already resolved`);
      if (alert.acked_at) throw new UserError(`alert #${id} was already acknowledged by ${alert.acked_by}`);
      await this.d.store.ack(id, by, note);
      // The channels that saw the alert hear who took it; the asker's channel gets the reply.
      if (alert.last_notified_at !== null) {
        const body = richText(line(...join(['✔', bold(`#${id} ${alert.name}`), alert.host && `on ${alert.host}`, `acknowledged by ${by.name}`, note && `— ${note}`])));
        for (const channel of this.channelsFor(alert)) if (channel !== from) await this.d.outbox.enqueue({ channel, body });
      }
      return (await this.d.store.get(id))!;
    });
  }

  async requireAlert(id: number): Promise<Alert> {
    const alert = await this.d.store.get(id);
    if (!alert) throw new UserError(`no alert #${id}`);
    return alert;
  }

  /** Adds a silence and marks the firing alerts it covers; returns it with how many it covered. */
  silence(matchers: Matcher[], durationMs: number, actor: string, reason: string | null): Promise<{ silence: Silence; covered: number }> {
    return this.d.db.tx(async () => {
      const silence = await this.d.silences.add(matchers, durationMs, actor, reason);
      let covered = 0;
      for (let offset = 0; ; offset += 500) {
        const page = (await this.d.store.list({ status: 'firing', limit: 500, offset })).alerts;
        for (const a of page) {
          if (a.suppressed || (await this.d.silences.find(subjectOf(alertInputOf(a), a.host ?? undefined)))?.id !== silence.id) continue;
          await this.d.store.setQuiet(a.id, `silence:${silence.id}`, actor);
          covered++;
        }
        if (page.length < 500) break;
      }
      return { silence, covered };
    });
  }

  /**
   * Hosts a maintenance window no longer covers now that it ended. One whose
   * status someone set by hand meanwhile gets no status change to release its
   * held alerts, so they are released here, as held since the window started.
   */
  async releaseHostsLeftByWindow(serverIds: number[], startedAt: string): Promise<void> {
    for (const id of serverIds) {
      if ((await this.d.inventory.getById(id))?.status === 'maintenance') continue;
      if ((await this.d.store.heldForMaintenance(id)).length > 0) await this.releaseMaintenance(id, startedAt);
    }
  }

  /**
   * A host's alerts are no longer held for maintenance (its status left
   * `maintenance`, or the last window covering it ended): the still-firing
   * ones are released, and one line tells their channels what was held back
   * since `since`.
   */
  async releaseMaintenance(serverId: number, since: string): Promise<void> {
    const server = await this.d.inventory.getById(serverId);
    if (!server) return;
    const released = await this.d.db.tx(async () => {
      // Everything held since it entered, and whatever still fires held (a silence may have
      // handed an older alert over to maintenance): the summary below is their post.
      // Read in the transaction that releases them, so an alert held meanwhile is not left out.
      const stillHeld = await this.d.store.heldForMaintenance(serverId);
      const byId = new Map([...(await this.d.store.suppressedSince(serverId, since)), ...stillHeld].map((a) => [a.id, a]));
      const held = [...byId.values()];
      if (held.length === 0) return 0;
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
      for (const a of stillHeld) {
        await this.d.store.setQuiet(a.id, null, null);
        await this.d.store.markNotified(a.id);
      }
      for (const channel of channels) await this.d.outbox.enqueue({ channel, body });
      return held.length;
    });
    if (released > 0) this.d.log.info({ host: server.name, suppressed: released }, 'host left maintenance');
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
