import type { Logger } from 'pino';
import { commands } from '../commands/index.js';
import type { AdapterStatus, ChatAdapter } from './adapters/adapter.js';
import { ConsoleAdapter } from './adapters/console/console-adapter.js';
import { IrcAdapter } from './adapters/irc/irc-adapter.js';
import { SlackAdapter } from './adapters/slack/slack-adapter.js';
import { Bridge } from './bridge/bridge.js';
import { Dispatcher } from './chat/dispatcher.js';
import { parseChannelAddress } from './chat/message.js';
import { Permissions } from './chat/permissions.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { Outbox } from './delivery/outbox.js';
import { AlertService } from './domain/alerts/service.js';
import { SilenceStore } from './domain/alerts/silences.js';
import { AlertStore } from './domain/alerts/store.js';
import { FleetView } from './domain/board/fleet-view.js';
import { BoardVersion } from './domain/board/version.js';
import { LogService } from './domain/logs/service.js';
import { Routes } from './domain/routing/routes.js';
import { MaintenanceService } from './domain/maintenance/service.js';
import { MaintenanceStore } from './domain/maintenance/store.js';
import { GitService } from './domain/git/service.js';
import { digestFormat } from './domain/digest-format.js';
import { People } from './domain/people.js';
import { HostViews } from './domain/servers/host-view.js';
import { Inventory } from './domain/servers/inventory.js';
import { TicketDigestJob } from './domain/tickets/digest.js';
import { TicketPreviews } from './domain/tickets/previews.js';
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
import { maintenancePage, maintenanceWindowPage } from './http/board/pages/maintenance.js';
import { serverPage } from './http/board/pages/server.js';
import { ticketPage, ticketsPage } from './http/board/pages/tickets.js';
import { resolveToken } from './http/token.js';
import { createInboundHandler } from './inbound/handler.js';
import { startSyslog } from './ingest/syslog/start.js';
import { startTailers } from './ingest/tail-start.js';
import { Links } from './links.js';
import { Metrics } from './metrics.js';
import { parseListen } from './net/listen.js';
import { HttpServer } from './http/server.js';
import { Router } from './http/router.js';
import { healthRoutes } from './http/routes/health.js';
import { serverRoutes } from './http/routes/servers.js';
import { MIGRATIONS_DIR } from './paths.js';
import type { Services } from './services.js';
import { openDatabase, type DB } from './store/database.js';
import { Scheduler } from './scheduler/scheduler.js';
import { GroupCommit } from './store/group-commit.js';
import { migrate, readMigrations } from './store/migrate.js';

/** The composition root: builds everything from the config. No logic lives here. */

export interface Core {
  config: Config;
  db: DB;
  log: Logger;
  clock: Clock;
  outbox: Outbox;
  metrics: Metrics;
  services: Services;
  dispatcher: Dispatcher<Services>;
  close(): void;
}

/** Store, domain services and the command dispatcher: what `start`, `run` and the CLI share. */
export function buildCore(config: Config, opts: { log: Logger; clock?: Clock }): Core {
  const clock = opts.clock ?? systemClock;
  const db = openDatabase(config.database);
  try {
    migrate(db, readMigrations(MIGRATIONS_DIR));
  } catch (err) {
    db.close();
    throw err;
  }
  const outbox = new Outbox(db, clock);
  const metrics = new Metrics(outbox, clock);
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
    maintenance,
    maintenanceStore,
    maintenanceChannels: config.maintenance.channels,
    tickets,
    git,
    people,
    timezone: config.timezone,
    links,
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
  return { config, db, log: opts.log, clock, outbox, metrics, services, dispatcher, close: () => db.close() };
}

export interface BotOptions {
  log: Logger;
  clock?: Clock;
  /** Run the console chat even when a chat platform is configured. */
  forceConsole?: boolean;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Called when the console user ends the session (Ctrl-D on a terminal). */
  onConsoleExit?: () => void;
}

export interface Bot {
  core: Core;
  /** Where the HTTP API listens (port resolved when 0 was asked for). */
  http: { host: string; port: number };
  /** Each chat adapter's state, as /healthz shows it. */
  chatStatus(): Record<string, AdapterStatus>;
  stop(): Promise<void>;
}

export async function startBot(config: Config, opts: BotOptions): Promise<Bot> {
  const core = buildCore(config, opts);
  const { log, outbox, dispatcher } = core;

  const adapters = new Map<string, ChatAdapter>();
  if (config.slack) {
    const s = config.slack;
    const settings = {
      mode: s.mode, botToken: s.bot_token, appToken: s.app_token, signingSecret: s.signing_secret, listen: parseListen(s.listen)!,
      apiUrl: s.api_url, slashCommand: s.slash_command, maxChannelLines: s.max_channel_lines,
      relayBots: s.relay_bots, relayIconUrl: s.relay_icon_url, rate: s.rate,
    };
    adapters.set('slack', new SlackAdapter({ settings, clock: core.clock, log, people: core.services.people.slackIds() }));
  }
  if (config.irc) {
    const i = config.irc;
    const settings = {
      host: i.host, port: i.port, tls: i.tls, tlsVerify: i.tls_verify, caFile: i.ca_file, password: i.password,
      nick: i.nick, username: i.username, realname: i.realname, sasl: i.sasl, nickserv: i.nickserv, channels: i.channels,
      flood: i.flood, maxChannelLines: i.max_channel_lines, formatting: i.formatting, ignore: i.ignore, rejoinDelayMs: i.rejoin_delay,
    };
    adapters.set('irc', new IrcAdapter({ settings, clock: core.clock, log, onNick: (nick) => dispatcher.addName(nick) }));
  }
  // With no chat platform configured, the console is the chat and shows what
  // the bot sends to every channel.
  const consoleServesAll = adapters.size === 0;
  let consoleAdapter: ConsoleAdapter | undefined;
  if (consoleServesAll || opts.forceConsole) {
    consoleAdapter = new ConsoleAdapter({
      input: opts.stdin,
      output: opts.stdout,
      clock: core.clock,
      onClose: () => {
        if (opts.stdin.isTTY) opts.onConsoleExit?.();
        else log.info('console input ended; the bot keeps running');
      },
    });
    adapters.set('console', consoleAdapter);
  }

  const { metrics } = core;
  const delivery = new Delivery({
    outbox,
    clock: core.clock,
    log,
    digest: { afterMs: config.alerts.digest_after, format: digestFormat },
    onDelivered: (channel) => metrics.delivered.inc({ channel }),
    onCondensed: (channel, rows) => metrics.condensed.inc({ channel }, rows),
    adapterFor: (channel) => {
      const platform = parseChannelAddress(channel)?.platform;
      return (platform && adapters.get(platform)) ?? (consoleServesAll ? consoleAdapter : undefined);
    },
  });

  const router = new Router();
  const chatStatus = () => Object.fromEntries([...adapters].map(([name, a]) => [name, a.status()]));
  const token = resolveToken(config, { create: true })!;
  if (token.file) log.info({ file: token.file }, 'HTTP write API token (no http.token in the config) is in this file');
  const { services } = core;
  healthRoutes(router, core.outbox, chatStatus);
  serverRoutes(router, services);
  const commits = new GroupCommit(core.db);
  alertRoutes(router, { alerts: services.alerts, store: services.alertStore, commits, token: token.token, sources: { hostLabels: config.alerts.host_labels } });
  ingestRoutes(router, { logs: services.logs, outbox, commits, token: token.token });
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
    core.close();
    throw err;
  }
  log.info({ listen: `${address.address}:${address.port}` }, 'HTTP API listening');

  const syslog = await startSyslog({
    udp: config.syslog.udp, tcp: config.syslog.tcp, timezone: config.syslog.timezone ?? config.timezone,
    clock: core.clock, log, logs: services.logs, received: metrics.syslogLines,
  });
  const tailers = await startTailers(config.tail, { db: core.db, clock: core.clock, log, logs: services.logs });
  const bridge = config.bridges.length > 0 ? new Bridge(config.bridges, outbox) : undefined;
  const previews = new TicketPreviews({
    channels: config.tickets.previews, everyMs: config.tickets.preview_every, clock: core.clock,
    ticket: (id) => services.tickets.get(id), links: services.links,
    ...(bridge && { peers: (m) => bridge.peersOf(m) }),
  });
  const onMessage = createInboundHandler({ dispatcher, outbox, log, conversation: (m) => previews.previewsFor(m), ...(bridge && { bridge }) });
  for (const a of adapters.values()) await a.start((m) => void onMessage(m));
  delivery.start();
  const digest = config.tickets.digest;
  const scheduler = new Scheduler(
    [
      services.maintenance.job(),
      ...services.alerts.jobs(),
      ...(digest
        ? [new TicketDigestJob({
            db: core.db, clock: core.clock, tickets: services.tickets, outbox,
            cron: digest.cron, timezone: config.timezone, channels: digest.channels, staleMs: digest.stale_after,
          })]
        : []),
    ],
    log,
  );
  scheduler.start();

  let stopped = false;
  return {
    core,
    http: { host: address.address, port: address.port },
    chatStatus,
    async stop() {
      if (stopped) return;
      stopped = true;
      await scheduler.stop();
      await syslog?.stop();
      for (const t of tailers) await t.stop();
      // Adapters first: they fail what they still hold, so delivery's waits end.
      for (const a of adapters.values()) await a.stop();
      await delivery.stop();
      await http.close();
      core.close();
    },
  };
}
