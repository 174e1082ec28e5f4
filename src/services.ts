import type { AlertService } from './domain/alerts/service.js';
import type { SilenceStore } from './domain/alerts/silences.js';
import type { AlertStore } from './domain/alerts/store.js';
import type { LogService } from './domain/logs/service.js';
import type { LogSearch } from './domain/logs/search.js';
import type { MaintenanceService } from './domain/maintenance/service.js';
import type { MaintenanceStore } from './domain/maintenance/store.js';
import type { GitService } from './domain/git/service.js';
import type { People } from './domain/people.js';
import type { HostViews } from './domain/servers/host-view.js';
import type { Inventory } from './domain/servers/inventory.js';
import type { Cluster } from './leadership/cluster.js';
import type { Links } from './links.js';
import type { TicketService } from './domain/tickets/service.js';

/** What commands and the HTTP API may use: the domain services, built once in app.ts. */
export interface Services {
  inventory: Inventory;
  /** A host with its alerts, windows and tickets: what `!server` and the board's host page show. */
  hostViews: HostViews;
  alerts: AlertService;
  alertStore: AlertStore;
  silences: SilenceStore;
  logs: LogService;
  /** Stored log lines by host, time, level and words: `!logs` and the board's /logs. */
  logSearch: LogSearch;
  maintenance: MaintenanceService;
  maintenanceStore: MaintenanceStore;
  /** Channels every maintenance window announces to, besides where it was planned. */
  maintenanceChannels: string[];
  tickets: TicketService;
  git: GitService;
  /** The same person on IRC and Slack: who "mine" is, whom to notify. */
  people: People;
  /** IANA zone every time is shown in. */
  timezone: string;
  /** Where links in chat point (the status board, with http.public_url set). */
  links: Links;
  /** Which node of a redundant pair leads: `!status`. */
  cluster: Cluster;
}
