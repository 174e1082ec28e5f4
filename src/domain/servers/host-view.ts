import type { DB } from '../../store/database.js';
import type { Alert, Severity } from '../alerts/model.js';
import type { AlertStore } from '../alerts/store.js';
import type { MaintenanceWindow } from '../maintenance/model.js';
import type { MaintenanceStore } from '../maintenance/store.js';
import { ACTIVE_STATUSES, type Ticket } from '../tickets/model.js';
import type { TicketService } from '../tickets/service.js';
import type { Inventory } from './inventory.js';
import type { Server, StatusChange } from './model.js';

/**
 * How much of each list a host view holds. `!server` wants what is going on
 * now, a few of each; the host's board page wants that in full and the
 * host's past too. A list left out (or 0) is not read.
 */
export interface HostViewLimits {
  /** Firing alerts, newest first. */
  firing: number;
  /** Tickets naming the host, open and in-progress ones first. */
  tickets: number;
  /** Fill `tickets` up with resolved and closed ones after the active ones. */
  closedTickets?: boolean;
  /** Windows that have covered the host, running, finished or planned: the latest starts first. */
  windows?: number;
  /** Alerts of any status, the latest seen first. */
  recentAlerts?: number;
  /** Status changes, newest first. */
  statusChanges?: number;
}

/** What a host's row of alerts needs, without labels or text: the page lists many. */
export interface AlertBrief {
  id: number;
  name: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  summary: string;
  started_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  suppressed: string | null;
  acked_by: string | null;
}

/** One host with what is going on around it: alerts, maintenance, tickets. */
export interface HostView {
  server: Server;
  /** Held-back ones (maintenance, silences) included. */
  firing: Alert[];
  /** Windows running on the host now: always all of them, they are few. */
  maintenance: MaintenanceWindow[];
  /** Open and in-progress tickets naming the host, in all (`tickets` may list fewer). */
  openTickets: number;
  /** Most urgent first within the active part and within the rest. */
  tickets: Ticket[];
  windows: MaintenanceWindow[];
  recentAlerts: AlertBrief[];
  statusChanges: StatusChange[];
}

export interface HostViewDeps {
  db: DB;
  inventory: Inventory;
  alertStore: AlertStore;
  maintenanceStore: MaintenanceStore;
  tickets: TicketService;
}

/** The one read of "a host and its alerts, windows and tickets", for `!server` and the board's host page. */
export class HostViews {
  private readonly recentAlerts;

  constructor(private readonly d: HostViewDeps) {
    this.recentAlerts = d.db.prepare(`SELECT id, name, severity, status, summary, started_at, last_seen_at, resolved_at, suppressed, acked_by FROM alerts
      WHERE server_id = ? ORDER BY last_seen_at DESC, id DESC LIMIT ?`);
  }

  /** The lists around a host found by a lookup, read from one snapshot of the store so that they agree. */
  get(server: Server, limits: HostViewLimits): HostView {
    return this.d.db.transaction(() => this.read(server, limits))();
  }

  private read(server: Server, limits: HostViewLimits): HostView {
    const { inventory, alertStore, maintenanceStore, tickets } = this.d;
    const serverId = server.id;
    const open = tickets.list({ status: 'active', serverId }, limits.tickets);
    return {
      server,
      firing: alertStore.firingForServer(serverId, limits.firing),
      maintenance: maintenanceStore.activeForServer(serverId),
      openTickets: open.total,
      tickets: limits.closedTickets ? this.activeFirst(serverId, open.tickets, limits.tickets) : open.tickets,
      windows: limits.windows ? maintenanceStore.forServer(serverId, limits.windows) : [],
      // The alerts table has no index by host (each one costs every ingest a
      // write), so this scans it: fine for one host, never on the hot path.
      recentAlerts: limits.recentAlerts ? (this.recentAlerts.all(serverId, limits.recentAlerts) as AlertBrief[]) : [],
      statusChanges: limits.statusChanges ? inventory.history(serverId, limits.statusChanges) : [],
    };
  }

  /** The active tickets, then as many of the others as fit in `limit`, each part in the store's priority order. */
  private activeFirst(serverId: number, active: Ticket[], limit: number): Ticket[] {
    if (active.length >= limit) return active;
    const others = this.d.tickets.list({ status: 'all', serverId }, limit).tickets.filter((t) => !ACTIVE_STATUSES.includes(t.status));
    return [...active, ...others].slice(0, limit);
  }
}
