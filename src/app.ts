import type { Logger } from 'pino';
import { commands } from '../commands/index.js';
import type { AdapterStatus } from './adapters/adapter.js';
import { text } from './chat/rich-text.js';
import { Dispatcher } from './chat/dispatcher.js';
import { Permissions } from './chat/permissions.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { Outbox } from './delivery/outbox.js';
import { AlertService } from './domain/alerts/service.js';
import { SilenceStore } from './domain/alerts/silences.js';
import { AlertStore } from './domain/alerts/store.js';
import { FleetView } from './domain/board/fleet-view.js';
import { BoardVersion } from './domain/board/version.js';
import { LogSearch } from './domain/logs/search.js';
import { LogService } from './domain/logs/service.js';
import { Routes } from './domain/routing/routes.js';
import { MaintenanceService } from './domain/maintenance/service.js';
import { MaintenanceStore } from './domain/maintenance/store.js';
import { GitService } from './domain/git/service.js';
import { People } from './domain/people.js';
import { HostViews } from './domain/servers/host-view.js';
import { Inventory } from './domain/servers/inventory.js';
import { TicketService } from './domain/tickets/service.js';
import { TicketStore } from './domain/tickets/store.js';
import { alertRoutes } from './http/routes/alerts.js';
import { ingestRoutes } from './http/routes/ingest.js';
import { gitRoutes } from './http/routes/git.js';
import { maintenanceRoutes } from './http/routes/maintenance.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { ticketRoutes } from './http/routes/tickets.js';
import { boardRoutes } from './http/routes/board.js';
import { alertPage, alertsPage } from './http/board/pages/alerts.js';
import { fleetPage } from './http/board/pages/fleet.js';
import { logsPage } from './http/board/pages/logs.js';
import { maintenancePage, maintenanceWindowPage } from './http/board/pages/maintenance.js';
import { serverPage } from './http/board/pages/server.js';
import { ticketPage, ticketsPage } from './http/board/pages/tickets.js';
import { resolveToken } from './http/token.js';
import { startSyslog } from './ingest/syslog/start.js';
import { startTailers } from './ingest/tail-start.js';
import type { Core } from './core.js';
import { Links } from './links.js';
import { startLeaderDuties, type ConsoleIO, type LeaderDuties } from './leader.js';
import { Cluster } from './leadership/cluster.js';
import { Leadership, type LeadershipTimings } from './leadership/leadership.js';
import { Metrics } from './metrics.js';
import { parseListen } from './net/listen.js';
import { HttpServer } from './http/server.js';
import { Router } from './http/router.js';
import { healthRoutes } from './http/routes/health.js';
import { serverRoutes } from './http/routes/servers.js';
import type { Services } from './services.js';
import { openMigratedStore } from './store/open.js';
import { GroupCommit } from './store/group-commit.js';

/** The composition root: builds everything from the config. No logic lives here. */

export type { Core } from './core.js';

/** Store, domain services and the command dispatcher: what `start`, `run` and the CLI share. */
export async function buildCore(config: Config, opts: { log: Logger; clock?: Clock }): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  const { db } = await openMigratedStore(config.database, { onError: (message) => opts.log.warn({ database: message }, 'database connection lost') });
  const outbox = new Outbox(db, clock);
  const cluster = new Cluster(db, config.node);
  const metrics = new Metrics(outbox, clock, db);
  const inventory = new Inventory(db, clock);
  const alertStore = new AlertStore(db, clock);
  const silences = new SilenceStore(db, clock);
  const links = new Links(config.http.public_url, config.board.enabled);
  const maintenanceStore = new MaintenanceStore(db, clock);
  const maintenance = new MaintenanceService({
    db, clock, store: maintenanceStore, inventory, alertStore, outbox, log: opts.log, timezone: config.timezone,
    leadMs: config.maintenance.lead_time,
    overdueEveryMs: config.maintenance.overdue_every,
  });
  const alerts = new AlertService({
    db, clock, store: alertStore, silences, inventory, outbox, metrics, log: opts.log,
    inMaintenanceWindow: (serverId) => maintenance.covers(serverId),
    routes: new Routes(config.alerts.routes, config.alerts.default),
    dedupWindowMs: config.alerts.dedup_window,
    repeatIntervalMs: config.alerts.repeat_interval,
    links,
  });
  maintenance.onWindowEnded((serverIds, startedAt) => alerts.releaseHostsLeftByWindow(serverIds, startedAt));
  const platforms = new Set([...(config.irc ? ['irc' as const] : []), ...(config.slack ? ['slack' as const] : [])]);
  const people = new People(config.people, platforms);
  const tickets = new TicketService({ db, clock, store: new TicketStore(db, clock), inventory, people, outbox });
  const git = new GitService({ db, clock, tickets, outbox, repos: config.git.repos, keywords: config.git.keywords });
  const logs = new LogService({ db, clock, outbox, metrics, routes: new Routes(config.logs.routes, config.logs.default) });
  const services: Services = {
    inventory,
    hostViews: new HostViews({ db, inventory, alertStore, maintenanceStore, tickets }),
    alerts,
    alertStore,
    silences,
    logs,
    logSearch: new LogSearch({ db, inventory, log: opts.log }),
    maintenance,
    maintenanceStore,
    maintenanceChannels: config.maintenance.channels,
    tickets,
    git,
    people,
    timezone: config.timezone,
    links,
    cluster,
  };
  const dispatcher = new Dispatcher<Services>({
    commands,
    services,
    permissions: new Permissions(config.roles),
    prefix: config.commands.prefix,
    ...(config.irc?.prefix !== undefined && { platformPrefixes: { irc: config.irc.prefix } }),
    clock,
    log: opts.log,
    post: (channel, body) => outbox.enqueue({ channel, body }),
  });
  return { config, db, log: opts.log, clock, outbox, metrics, services, dispatcher, cluster, close: () => db.close() };
}

export interface BotOptions extends ConsoleIO {
  log: Logger;
  clock?: Clock;
  /** For tests: lease timings shorter than the config's. */
  timings?: LeadershipTimings;
}

export interface Bot {
  core: Core;
  /** Where the HTTP API listens (port resolved when 0 was asked for). */
  http: { host: string; port: number };
  /** Each chat adapter's state, as /healthz shows it (none on a standby). */
  chatStatus(): Record<string, AdapterStatus>;
  leadership: Leadership;
  stop(): Promise<void>;
}

/**
 * Every node accepts writes (HTTP, syslog, tailed files, the board); the
 * node holding the leader lease also runs the chat connections, delivery
 * and the scheduled jobs. On SQLite the one node always leads.
 */
export async function startBot(config: Config, opts: BotOptions): Promise<Bot> {
  const core = await buildCore(config, opts);
  const { log, services, metrics } = core;

  let duties: LeaderDuties | null = null;
  const chatStatus = () => duties?.chatStatus() ?? {};
  const l = config.leadership;
  const leadership = new Leadership({
    node: config.node,
    lease: core.cluster.lease,
    log,
    timings: opts.timings ?? { leaseMs: l.lease, renewMs: l.renew_every, stopSendingMs: l.stop_sending_after },
    onElected: async (held, fence) => {
      metrics.leader.set(1);
      metrics.epoch.set(held.epoch);
      if (held.previousHolder) {
        metrics.failovers.inc();
        // Said before anything else goes out, so the channel reads the switch first.
        for (const channel of l.announce) {
          await core.outbox.enqueue({ channel, body: text(`opsbridge on ${config.node} took over from ${held.previousHolder} (epoch ${held.epoch})`), priority: 1 });
        }
      }
      duties = await startLeaderDuties(core, config, opts, fence, log);
    },
    onDeposed: async () => {
      metrics.leader.set(0);
      const d = duties;
      duties = null;
      await d?.stop();
    },
  });
  core.cluster.attach(leadership);

  const router = new Router();
  const token = resolveToken(config, { create: true })!;
  if (token.file) log.info({ file: token.file }, 'HTTP write API token (no http.token in the config) is in this file');
  healthRoutes(router, { outbox: core.outbox, cluster: core.cluster, chats: chatStatus });
  serverRoutes(router, services);
  const commits = new GroupCommit(core.db);
  alertRoutes(router, { alerts: services.alerts, store: services.alertStore, commits, token: token.token, sources: { hostLabels: config.alerts.host_labels } });
  ingestRoutes(router, { logs: services.logs, outbox: core.outbox, commits, token: token.token });
  maintenanceRoutes(router, {
    maintenance: services.maintenance, store: services.maintenanceStore, inventory: services.inventory, clock: core.clock,
    timezone: config.timezone, channels: config.maintenance.channels, token: token.token,
  });
  ticketRoutes(router, { tickets: services.tickets });
  gitRoutes(router, { git: services.git, token: token.token, maxBodyBytes: config.git.max_push_bytes });
  metricsRoutes(router, metrics);
  if (config.board.enabled) {
    boardRoutes(router, {
      services, fleet: new FleetView(core.db), version: new BoardVersion(core.db), clock: core.clock, timezone: config.timezone,
      auth: { token: config.board.token, basic: config.board.basic },
      pages: {
        '/': fleetPage,
        '/servers/:name': serverPage,
        '/alerts': alertsPage,
        '/alerts/:id': alertPage,
        '/logs': logsPage,
        '/maintenance': maintenancePage,
        '/maintenance/:id': maintenanceWindowPage,
        '/tickets': ticketsPage,
        '/tickets/:id': ticketPage,
      },
    });
  }
  const http = new HttpServer(router, log, { maxBodyBytes: config.http.max_body_bytes });
  const listen = parseListen(config.http.listen)!;
  let address;
  try {
    address = await http.listen(listen.host, listen.port);
  } catch (err) {
    await core.close();
    throw err;
  }
  log.info({ listen: `${address.address}:${address.port}` }, 'HTTP API listening');

  const syslog = await startSyslog({
    udp: config.syslog.udp, tcp: config.syslog.tcp, timezone: config.syslog.timezone ?? config.timezone,
    clock: core.clock, log, logs: services.logs, received: metrics.syslogLines,
  });
  const tailers = await startTailers(config.tail, { db: core.db, node: config.node, clock: core.clock, log, logs: services.logs });
  // Every node that stores lines indexes them (SQLite: the one node; PostgreSQL's index needs no help).
  const stopIndexing = services.logSearch.startIndexing();
  await leadership.start();
  // A node alone (and every SQLite install) leads at once: be on chat before returning.
  await leadership.settled();

  let stopped = false;
  return {
    core,
    http: { host: address.address, port: address.port },
    chatStatus,
    leadership,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Releasing the lease first lets a standby take over within one renew interval.
      await leadership.stop();
      await syslog?.stop();
      for (const t of tailers) await t.stop();
      await stopIndexing();
      await http.close();
      await core.close();
    },
  };
}
