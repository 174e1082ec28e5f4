import type { Sql } from '../../store/sql.js';
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
  db: Sql;
  inventory: Inventory;
  alertStore: AlertStore;
  maintenanceStore: MaintenanceStore;
  tickets: TicketService;
}

// The alerts table has no index by host (each one costs every ingest a
// write), so this scans it: fine for one host, never on the hot path.
const RECENT_ALERTS = `SELECT id, name, severity, status, summary, started_at, last_seen_at, resolved_at, suppressed, acked_by FROM alerts
  WHERE server_id = ? ORDER BY last_seen_at DESC, id DESC LIMIT ?`;

/** The one read of "a host and its alerts, windows and tickets", for `!server` and the board's host page. */
export class HostViews {
  constructor(private readonly d: HostViewDeps) {}

  /**
   * The lists around a host found by a lookup, read in one transaction so
   * that they agree. Only store reads happen inside it, one after the other.
   */
  get(server: Server, limits: HostViewLimits): Promise<HostView> {
    return this.d.db.tx(() => this.read(server, limits), { readOnly: true });
  }

  private async read(server: Server, limits: HostViewLimits): Promise<HostView> {
    const { db, inventory, alertStore, maintenanceStore, tickets } = this.d;
    const serverId = server.id;
    const open = await tickets.list({ status: 'active', serverId }, limits.tickets);
    return {
      server,
      firing: await alertStore.firingForServer(serverId, limits.firing),
      maintenance: await maintenanceStore.activeForServer(serverId),
      openTickets: open.total,
      tickets: limits.closedTickets ? await this.activeFirst(serverId, open.tickets, limits.tickets) : open.tickets,
      windows: limits.windows ? await maintenanceStore.forServer(serverId, limits.windows) : [],
      recentAlerts: limits.recentAlerts ? await db.all<AlertBrief>(RECENT_ALERTS, [serverId, limits.recentAlerts]) : [],
      statusChanges: limits.statusChanges ? await inventory.history(serverId, limits.statusChanges) : [],
    };
  }

  /** The active tickets, then as many of the others as fit in `limit`, each part in the store's priority order. */
  private async activeFirst(serverId: number, active: Ticket[], limit: number): Promise<Ticket[]> {
    if (active.length >= limit) return active;
    const all = await this.d.tickets.list({ status: 'all', serverId }, limit);
    const others = all.tickets.filter((t) => !ACTIVE_STATUSES.includes(t.status));
    return [...active, ...others].slice(0, limit);
  }
}
