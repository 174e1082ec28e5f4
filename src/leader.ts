import type { Logger } from 'pino';
import type { AdapterStatus, ChatAdapter } from './adapters/adapter.js';
import { ConsoleAdapter } from './adapters/console/console-adapter.js';
import { IrcAdapter } from './adapters/irc/irc-adapter.js';
import type { Core } from './core.js';
import { Bridge } from './bridge/bridge.js';
import { parseChannelAddress } from './chat/message.js';
import type { Config } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { digestFormat } from './domain/digest-format.js';
import { Pruner } from './domain/retention/prune.js';
import { TicketDigestJob } from './domain/tickets/digest.js';
import { TicketPreviews } from './domain/tickets/previews.js';
import { createInboundHandler } from './inbound/handler.js';
import type { Fence } from './leadership/leadership.js';
import { OutboxWakeup } from './leadership/outbox-wakeup.js';
import { parseListen } from './net/listen.js';
import { Scheduler } from './scheduler/scheduler.js';
import type { PostgresSql } from './store/postgres.js';

export interface ConsoleIO {
  /** Run the console chat even when a chat platform is configured. */
  forceConsole?: boolean;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  onConsoleExit?: () => void;
}

/** What only the leader runs: the chat connections, delivery from the outbox, and the scheduled jobs. */
export interface LeaderDuties {
  chatStatus(): Record<string, AdapterStatus>;
  stop(): Promise<void>;
}

/**
 * Starts the leader's duties under `fence`: every outbox claim and mark is
 * conditional on its epoch, and nothing is sent once its deadline passed.
 * A node that is deposed calls stop() and goes back to accepting writes only.
 */
export async function startLeaderDuties(core: Core, config: Config, io: ConsoleIO, fence: Fence, log: Logger): Promise<LeaderDuties> {
  const { outbox, dispatcher, metrics, services } = core;
  const adapters = await makeAdapters(core, config, io, fence, log);
  const consoleServesAll = !config.irc && !config.slack;
  const onPostgres = core.db.engine === 'postgres';
  const delivery = new Delivery({
    outbox,
    clock: core.clock,
    log,
    fence,
    // On PostgreSQL, every node's rows (this one's too) wake delivery by NOTIFY
    // once committed: the poll is only the fallback.
    pollMs: onPostgres ? 2_000 : 500,
    wakeOnEnqueue: !onPostgres,
    digest: { afterMs: config.alerts.digest_after, format: digestFormat },
    onDelivered: (channel) => metrics.delivered.inc({ channel }),
    onCondensed: (channel, rows) => metrics.condensed.inc({ channel }, rows),
    onResent: (channel) => metrics.resent.inc({ channel }),
    adapterFor: (channel) => {
      const platform = parseChannelAddress(channel)?.platform;
      return (platform && adapters.get(platform)) ?? (consoleServesAll ? adapters.get('console') : undefined);
    },
  });
  const wakeup = onPostgres ? new OutboxWakeup(core.db as PostgresSql, (channel) => (channel ? delivery.wake(channel) : void delivery.kick()), log) : undefined;

  const bridge = config.bridges.length > 0 ? new Bridge(config.bridges, outbox) : undefined;
  const previews = new TicketPreviews({
    channels: config.tickets.previews, everyMs: config.tickets.preview_every, clock: core.clock,
    ticket: (id) => services.tickets.get(id), links: services.links,
    ...(bridge && { peers: (m) => bridge.peersOf(m) }),
  });
  const onMessage = createInboundHandler({ dispatcher, outbox, log, conversation: (m) => previews.previewsFor(m), ...(bridge && { bridge }) });
  for (const a of adapters.values()) await a.start((m) => void onMessage(m));
  delivery.start();
  await wakeup?.start();

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
      new Pruner({
        db: core.db,
        clock: core.clock,
        retention: config.retention,
        onDeleted: (kind, n) => core.metrics.prunedRows.inc({ kind }, n),
        log,
      }).job(),
    ],
    log,
  );
  scheduler.start();

  return {
    chatStatus: () => Object.fromEntries([...adapters].map(([name, a]) => [name, a.status()])),
    async stop() {
      await scheduler.stop();
      await wakeup?.stop();
      // Adapters first: they fail what they still hold, so delivery's waits end.
      for (const a of adapters.values()) await a.stop();
      await delivery.stop();
    },
  };
}

async function makeAdapters(core: Core, config: Config, io: ConsoleIO, fence: Fence, log: Logger): Promise<Map<string, ChatAdapter>> {
  const adapters = new Map<string, ChatAdapter>();
  // Checked again right before a line goes on the wire: a leader paused
  // past its deadline must not flush what its send queue still holds.
  const mayWrite = () => fence.canSend();
  if (config.slack) {
    const s = config.slack;
    const settings = {
      mode: s.mode, botToken: s.bot_token, appToken: s.app_token, signingSecret: s.signing_secret, listen: parseListen(s.listen)!,
      apiUrl: s.api_url, slashCommand: s.slash_command, maxChannelLines: s.max_channel_lines,
      relayBots: s.relay_bots, relayIconUrl: s.relay_icon_url, rate: s.rate,
    };
    // Bolt is loaded only when Slack is configured: it is a third of the bot's memory.
    const { SlackAdapter } = await import('./adapters/slack/slack-adapter.js');
    adapters.set('slack', new SlackAdapter({ settings, clock: core.clock, log, people: core.services.people.slackIds(), mayWrite }));
  }
  if (config.irc) {
    const i = config.irc;
    const settings = {
      host: i.host, port: i.port, tls: i.tls, tlsVerify: i.tls_verify, caFile: i.ca_file, password: i.password,
      nick: i.nick, username: i.username, realname: i.realname, sasl: i.sasl, nickserv: i.nickserv, channels: i.channels,
      flood: i.flood, maxChannelLines: i.max_channel_lines, formatting: i.formatting, ignore: i.ignore, rejoinDelayMs: i.rejoin_delay,
    };
    adapters.set('irc', new IrcAdapter({ settings, clock: core.clock, log, mayWrite, onNick: (nick) => core.dispatcher.addName(nick) }));
  }
  // With no chat platform configured, the console is the chat and shows what
  // the bot sends to every channel.
  if (adapters.size === 0 || io.forceConsole) {
    adapters.set(
      'console',
      new ConsoleAdapter({
        input: io.stdin,
        output: io.stdout,
        clock: core.clock,
        onClose: () => {
          if (io.stdin.isTTY) io.onConsoleExit?.();
          else log.info('console input ended; the bot keeps running');
        },
      }),
    );
  }
  return adapters;
}
