import type { Logger } from 'pino';
import { commands } from '../commands/index.js';
import type { AdapterStatus, ChatAdapter } from './adapters/adapter.js';
import { ConsoleAdapter } from './adapters/console/console-adapter.js';
import { IrcAdapter } from './adapters/irc/irc-adapter.js';
import { SlackAdapter } from './adapters/slack/slack-adapter.js';
import { Bridge } from './bridge/bridge.js';
import { Dispatcher } from './chat/dispatcher.js';
import { createInboundHandler } from './chat/inbound.js';
import { parseChannelAddress } from './chat/message.js';
import { Permissions } from './chat/permissions.js';
import { systemClock, type Clock } from './clock.js';
import { parseListen, type Config } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { Outbox } from './delivery/outbox.js';
import { AlertService } from './domain/alerts/service.js';
import { SilenceStore } from './domain/alerts/silences.js';
import { AlertStore } from './domain/alerts/store.js';
import { LogService } from './domain/logs/service.js';
import { Routes } from './domain/routing/routes.js';
import { MaintenanceService } from './domain/maintenance/service.js';
import { MaintenanceStore } from './domain/maintenance/store.js';
import { GitService } from './domain/git/service.js';
import { People } from './domain/people.js';
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
import { SyslogListener } from './ingest/syslog/listener.js';
import { FileTailer } from './ingest/tail.js';
import { SqliteTailOffsets } from './ingest/tail-offsets.js';
import { compilePattern } from './domain/routing/pattern.js';
import { hostname } from 'node:os';
import { syslogToLog } from './ingest/syslog/to-log.js';
import { Links } from './links.js';
import { Metrics } from './metrics.js';
import { HttpServer } from './http/server.js';
import { Router } from './http/router.js';
import { healthRoutes } from './http/routes/health.js';
import { serverRoutes } from './http/routes/servers.js';
import { MIGRATIONS_DIR } from './paths.js';
import type { Services } from './services.js';
import { openDatabase, type DB } from './store/database.js';
import { Scheduler, type Job } from './scheduler/scheduler.js';
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
  // Hosts a window stops covering without a status change (someone set it by hand) release their alerts too.
  maintenance.onWindowEnded((serverIds, startedAt) => {
    for (const id of serverIds) {
      if (inventory.getById(id)?.status !== 'maintenance' && alertStore.heldForMaintenance(id).length > 0) alerts.releaseMaintenance(id, startedAt);
    }
  });
  const platforms = new Set([...(config.irc ? ['irc' as const] : []), ...(config.slack ? ['slack' as const] : [])]);
  const people = new People(config.people, platforms);
  const tickets = new TicketService({ db, clock, store: new TicketStore(db, clock), inventory, people, outbox });
  const git = new GitService({ db, clock, tickets, outbox, repos: config.git.repos, keywords: config.git.keywords });
  const logs = new LogService({ db, clock, outbox, metrics, routes: new Routes(config.logs.routes, config.logs.default) });
  const services: Services = {
    inventory,
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
  if (config.slack) adapters.set('slack', new SlackAdapter({ config: config.slack, clock: core.clock, log, people: core.services.people.slackIds() }));
  if (config.irc) {
    adapters.set('irc', new IrcAdapter({ config: config.irc, clock: core.clock, log, onNick: (nick) => dispatcher.addName(nick) }));
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
    digestAfterMs: config.alerts.digest_after,
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
      services, db: core.db, clock: core.clock, timezone: config.timezone,
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

  const syslog = await startSyslog(config, core, log);
  const tailers = await startTailers(config, core, log);
  const bridge = config.bridges.length > 0 ? new Bridge(config.bridges, outbox) : undefined;
  const previews = new TicketPreviews({
    channels: config.tickets.previews, everyMs: config.tickets.preview_every, clock: core.clock,
    ticket: (id) => services.tickets.get(id), links: services.links,
    ...(bridge && { peers: (m) => bridge.peersOf(m) }),
  });
  const onMessage = createInboundHandler({ dispatcher, outbox, log, conversation: (m) => previews.previewsFor(m), ...(bridge && { bridge }) });
  for (const a of adapters.values()) await a.start((m) => void onMessage(m));
  delivery.start();
  const scheduler = new Scheduler(
    [
      { name: 'maintenance', every: '*/15 * * * * *', run: () => services.maintenance.tick() },
      { name: 'alert silences', every: '*/30 * * * * *', run: () => services.alerts.releaseEndedSilences() },
      { name: 'alert reminders', every: '*/30 * * * * *', run: () => services.alerts.remindUnacknowledged() },
      ...ticketDigestJob(config, core),
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

/** The syslog listeners, when `syslog.udp` or `syslog.tcp` is set: every message is stored (unparsable ones as they came). */
async function startSyslog(config: Config, core: Core, log: Logger): Promise<SyslogListener | undefined> {
  const { udp, tcp } = config.syslog;
  if (!udp && !tcp) return undefined;
  const { logs } = core.services;
  const counter = core.metrics.syslogLines;
  const listener = new SyslogListener({
    ...(udp && { udp: parseListen(udp)! }),
    ...(tcp && { tcp: parseListen(tcp)! }),
    timezone: config.syslog.timezone ?? config.timezone,
    now: () => core.clock.now(),
    log,
    sink: (messages, transport) => {
      logs.ingest(messages.map(syslogToLog));
      for (const m of messages) counter.inc({ transport, result: m.malformed ? 'malformed' : 'parsed' });
    },
  });
  const addr = await listener.start();
  log.info({ udp: addr.udp && `${addr.udp.address}:${addr.udp.port}`, tcp: addr.tcp && `${addr.tcp.address}:${addr.tcp.port}` }, 'syslog listening');
  return listener;
}

/** One tailer per `tail:` entry; the lines and the file position commit together. */
async function startTailers(config: Config, core: Core, log: Logger): Promise<FileTailer[]> {
  const offsets = new SqliteTailOffsets(core.db, core.clock);
  const tailers: FileTailer[] = [];
  for (const t of config.tail) {
    const host = t.host ?? hostname();
    const wanted = t.match ? compilePattern(t.match) : undefined;
    const tailer = new FileTailer({
      path: t.path,
      offsets,
      log,
      onLines: (lines, position) =>
        core.services.logs.ingest(
          lines.map((message) => ({ source: 'tail', host, level: t.level, message })),
          { to: t.to, ...(wanted && { post: (l) => wanted(l.message) }), also: () => offsets.set(t.path, position) },
        ),
    });
    await tailer.start();
    tailers.push(tailer);
  }
  return tailers;
}

/** The daily ticket digest, when `tickets.digest` is configured: checked every minute, posted once per occurrence. */
function ticketDigestJob(config: Config, core: Core): Job[] {
  const d = config.tickets.digest;
  if (!d) return [];
  const job = new TicketDigestJob({
    db: core.db, clock: core.clock, tickets: core.services.tickets, outbox: core.outbox,
    cron: d.cron, timezone: config.timezone, channels: d.channels, staleMs: d.stale_after,
  });
  return [{ name: 'ticket digest', every: '0 * * * * *', run: () => void job.run() }];
}
