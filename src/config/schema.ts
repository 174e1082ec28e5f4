import { hostname } from 'node:os';
import { z } from 'zod';
import { channelAddress } from '../chat/message.js';
import { ROLES } from '../chat/permissions.js';
import { DEFAULT_KEYWORDS } from '../domain/git/references.js';
import { patternError } from '../domain/routing/pattern.js';
import { parseListen } from '../net/listen.js';
import { checkCron } from '../scheduler/cron.js';
import { parseDuration } from '../time/duration.js';

/**
 * The shape of opsbridge.yaml. Every object is strict: a misspelt key is an
 * error at start, not a setting that silently does nothing at 3 a.m.
 * Names are fixed in shared/DESIGN.md ("User-facing names").
 */

const listenAddress = z.string().refine((s) => parseListen(s) !== null, {
  message: 'expected HOST:PORT, e.g. 127.0.0.1:8080',
});

const identity = z.string().regex(/^(console|irc:account:[^\s]+|slack:[UW][A-Z0-9]+)$/, {
  message: 'expected an identity: console, irc:account:NAME or slack:UXXXXXXXX',
});

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => parseDuration(v) !== null, { message: 'expected a duration such as 30s, 5m or 2h' })
    .transform((v) => parseDuration(v)!);

const ircChannel = z.string().regex(/^[#&][^\s,\x07]{1,49}$/, { message: 'expected a channel name such as #ops' });
/** What an IRC nick may look like (RFC 2812 characters, up to 30 long). */
export const IRC_NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,29}$/;
const ircNick = z.string().regex(IRC_NICK, { message: 'expected an IRC nick' });

export const ircSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().default(true),
  /** Verify the server's certificate (on unless you really mean it). */
  tls_verify: z.boolean().default(true),
  /** Extra CA certificate (PEM) to trust, for a network with its own CA. */
  ca_file: z.string().optional(),
  /** Server password (PASS). */
  password: z.string().optional(),
  nick: ircNick.default('opsbridge'),
  username: z.string().regex(/^[^\s@]{1,16}$/).default('opsbridge'),
  realname: z.string().min(1).default('opsbridge ops bot'),
  /** Services login: SASL PLAIN, or NickServ IDENTIFY when SASL is unavailable or fails. */
  sasl: z.strictObject({ account: z.string().min(1), password: z.string().min(1) }).optional(),
  /**
   * Where IDENTIFY goes when SASL is missing or fails. `NickServ@services.example.net`
   * makes sure the password reaches the services server, not whoever took the nick.
   */
  nickserv: z.string().regex(/^[^\s,]+$/).default('NickServ'),
  channels: z.array(z.union([ircChannel, z.strictObject({ name: ircChannel, key: z.string().min(1) })])).default([]),
  /** Command prefix on IRC, when it differs from commands.prefix. */
  prefix: z.string().min(1).max(3).regex(/^\S+$/).optional(),
  flood: z
    .strictObject({
      burst: z.number().int().min(1).max(10_000).default(5),
      rate: z.number().positive().max(10_000).default(1),
    })
    .default({ burst: 5, rate: 1 }),
  /** Lines a reply may take in a channel; the rest goes to the asker privately. */
  max_channel_lines: z.number().int().min(1).max(50).default(5),
  /** IRC colours and bold; false sends plain text. */
  formatting: z.boolean().default(true),
  /** Nicks (globs allowed: `*bot`) whose messages are ignored: other bots. */
  ignore: z.array(z.string().min(1)).default([]),
  rejoin_delay: duration('5s'),
});

export type IrcConfig = z.infer<typeof ircSchema>;

const slackToken = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-\\S+$`), { message: `expected a Slack token starting with ${prefix}-` });

export const slackSchema = z
  .strictObject({
    /** Socket Mode needs no public URL; the HTTP Events API needs one, and a signing secret. */
    mode: z.enum(['socket', 'http']).default('socket'),
    bot_token: slackToken('xoxb'),
    app_token: slackToken('xapp').optional(),
    signing_secret: z.string().min(1).optional(),
    /** Where the HTTP Events API listens (http mode): events and slash commands POST to /slack/events. */
    listen: listenAddress.default('127.0.0.1:3000'),

    /** Web API base URL, for a proxy (and the tests). */
    api_url: z.url().optional(),
    /** The slash command that runs any chat command: `/ops server web01`. */
    slash_command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, { message: 'expected a slash command such as /ops' }).default('/ops'),
    /** Lines a reply may take in a channel; longer ones continue in a thread. */
    max_channel_lines: z.number().int().min(1).max(50).default(5),
    /** Relay other bots' posts across bridges (never run as commands). The bot's own posts are never relayed. */
    relay_bots: z.boolean().default(false),
    /** Avatar for relayed messages (shown with the IRC nick as the author). */
    relay_icon_url: z.url().optional(),
    /** Messages per second per channel (Slack allows about one). */
    rate: z.number().positive().max(10_000).default(1),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'socket' && !s.app_token) ctx.addIssue({ code: 'custom', path: ['app_token'], message: 'required in socket mode (an xapp- token)' });
    if (s.mode === 'http' && !s.signing_secret) ctx.addIssue({ code: 'custom', path: ['signing_secret'], message: 'required in http mode' });
  });

export type SlackConfig = z.infer<typeof slackSchema>;

const timezone = z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as Asia/Tokyo or UTC' });

/** Each gateway links channels whose messages are relayed to one another. */
const bridgesSchema = z
  .array(z.array(channelAddress).min(2, { message: 'a bridge links at least two channels' }))
  .default([])
  .superRefine((gateways, ctx) => {
    const seen = new Map<string, number>();
    gateways.forEach((g, i) =>
      g.forEach((addr, j) => {
        const key = addr.toLowerCase();
        const before = seen.get(key);
        if (before !== undefined) ctx.addIssue({ code: 'custom', path: [i, j], message: `${addr} is already in bridge ${before}: a channel belongs to one bridge` });
        seen.set(key, i);
      }),
    );
  });

const personSchema = z.strictObject({
  name: z.string().min(1),
  /** IRC account (and usual nick). */
  irc: z.string().min(1).optional(),
  /** Slack user ID. */
  slack: z.string().regex(/^[UW][A-Z0-9]+$/, { message: 'expected a Slack user ID such as U024BE7LH' }).optional(),
});

const patternValue = z.string().min(1).refine((p) => patternError(p) === null, { error: (i) => patternError(String(i.input)) ?? 'invalid pattern' });

/** `match:` keys: source, severity, host, alertname, message, kind, any label; values are globs or /regex/, a list is any-of. */
const routeSchema = z.strictObject({
  match: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, { error: 'expected a key such as severity, host or a label name' }), z.union([patternValue, z.array(patternValue).min(1), z.record(z.string(), patternValue)]))
    .optional(),
  to: z.array(channelAddress).min(1, { error: 'a route sends to at least one channel' }),
  continue: z.boolean().default(false),
});

const alertsSchema = z.strictObject({
  /** Labels that name an alert's host, first set wins (`instance` loses its :port). */
  host_labels: z.array(z.string().min(1)).min(1).default(['host', 'hostname', 'instance']),
  /** The same alert in the same state within this window is counted, not posted again. */
  dedup_window: duration('5m'),
  /** Unacknowledged critical alerts are posted again this often (0s: never). */
  repeat_interval: z.string().default('30m').refine((v) => v === '0' || parseDuration(v) !== null, { message: 'expected a duration such as 30m, or 0s' }).transform((v) => parseDuration(v) ?? 0),
  /** A backlog a channel would need longer than this to send is condensed into digests. */
  digest_after: duration('10s'),
  routes: z.array(routeSchema).default([]),
  /** Where alerts no route matched go. */
  default: z.array(channelAddress).default(['console']),
});

const logsSchema = z.strictObject({
  routes: z.array(routeSchema).default([]),
  /** Where log lines (HTTP, syslog) no route matched go; [] keeps them in the store only. */
  default: z.array(channelAddress).default(['console']),
});

const syslogSchema = z.strictObject({
  udp: listenAddress.optional(),
  tcp: listenAddress.optional(),
  /** Zone for RFC 3164 timestamps, which carry none. Default: the top-level timezone. */
  timezone: z.string().optional(),
});

const tailSchema = z.strictObject({
  path: z.string().min(1),
  to: z.array(channelAddress).min(1),
  /** Host the lines are from (default: this machine's name). */
  host: z.string().min(1).optional(),
  level: z.string().min(1).default('info'),
  /** Post only lines that match (a /regex/ or a glob). */
  match: patternValue.optional(),
});

const maintenanceSchema = z.strictObject({
  /** Channels every window also announces to (besides the one it was planned in). */
  channels: z.array(channelAddress).default([]),
  /** Announce this long before a window starts. */
  lead_time: duration('15m'),
  /** While a window is past its planned end, say so this often. */
  overdue_every: duration('30m'),
});

/**
 * A redundant pair on one PostgreSQL store: one node leads (chat
 * connections, delivery, scheduled jobs) while its lease lasts.
 */
const leadershipSchema = z
  .strictObject({
    /** How long the lease lasts without renewal: the longest a dead leader holds up a failover. */
    lease: duration('6s'),
    /** How often the leader renews, and a standby tries to take over. */
    renew_every: duration('1s'),
    /** The leader sends nothing once this long has passed since its last renewal. */
    stop_sending_after: duration('4s'),
    /** Where a node says it took over: "opsbridge on web-b took over from web-a (epoch 7)". */
    announce: z.array(channelAddress).default([]),
  })
  // Only once all three are durations: a bad one already has its own line.
  .refine((l) => [l.lease, l.renew_every, l.stop_sending_after].some((v) => typeof v !== 'number') || (l.renew_every < l.stop_sending_after && l.stop_sending_after < l.lease), {
    message: 'needs renew_every < stop_sending_after < lease',
  });

const keywordList = z.array(z.string().regex(/^[A-Za-z][A-Za-z-]{0,30}$/, { message: 'a keyword is a word, e.g. fixes' }));

const gitRepoSchema = z.strictObject({
  /** The name the hook's --repo and webhooks use; webhooks also match the forge's `owner/name` or `name`. */
  name: z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/, { message: 'expected a repository name such as app or team/app' }),
  /** Closing keywords close tickets only when the commit reaches this branch. */
  default_branch: z.string().min(1).default('main').transform((b) => b.replace(/^refs\/heads\//, '')),
  /** Where each push gets its one line. */
  channel: channelAddress.optional(),
  /** Webhook secret: GitHub and Gitea sign with it, GitLab sends it as X-Gitlab-Token. */
  secret: z.string().min(8, { message: 'must be at least 8 characters' }).optional(),
  /** Commit page for links from the hook, with {sha}: https://git.example.com/app/commit/{sha}. */
  commit_url: z.url().refine((u) => u.includes('{sha}'), { message: 'must contain {sha}' }).optional(),
});

const gitSchema = z.strictObject({
  repos: z.array(gitRepoSchema).default([]).refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, { message: 'repository names must be unique' }),
  /** Words before `#N` in a commit message: `link` links, `close` links and closes. */
  keywords: z
    .strictObject({ link: keywordList.default([...DEFAULT_KEYWORDS.link]), close: keywordList.default([...DEFAULT_KEYWORDS.close]) })
    .default({ link: [...DEFAULT_KEYWORDS.link], close: [...DEFAULT_KEYWORDS.close] }),
  /** Largest push body (hook or webhook); GitHub caps its payloads at 25 MB. */
  max_push_bytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(25 * 1024 * 1024),
});

const ticketsSchema = z.strictObject({
  /** Channels where a `#42` in conversation gets a one-line preview of the ticket. */
  previews: z.array(channelAddress).default([]),
  /** A preview of the same ticket in the same channel at most this often. */
  preview_every: duration('10m'),
  digest: z
    .strictObject({
      /** When, as a cron expression in the configured timezone: `0 9 * * 1-5` is weekdays 09:00. */
      cron: z.string().refine((c) => { try { checkCron(c); return true; } catch { return false; } }, { message: 'expected a cron expression: minute hour day month weekday, e.g. 0 9 * * 1-5' }).default('0 9 * * *'),
      channels: z.array(channelAddress).min(1),
      /** Tickets with no update for this long are listed as stale. */
      stale_after: duration('7d'),
    })
    .optional(),
});

const boardSchema = z.strictObject({
  /** The status board on the HTTP port (GET /, /servers/NAME, /alerts, /maintenance, /tickets). */
  enabled: z.boolean().default(true),
  /** Admit with ?token=… once (then a cookie) or Authorization: Bearer; leave out for an open board. */
  token: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  /** Or a browser login. */
  basic: z.strictObject({ user: z.string().min(1).regex(/^[^:]+$/, { message: 'must not contain ":"' }), password: z.string().min(8, { message: 'must be at least 8 characters' }) }).optional(),
});

/** An age, or `keep` for never: what a retention setting holds (milliseconds, or null to keep). */
const maxAge = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => v === 'keep' || parseDuration(v) !== null, { message: 'expected an age such as 14d, 26w or 12h, or keep' })
    .transform((v) => (v === 'keep' ? null : parseDuration(v)!));

/**
 * How long each kind of row is kept. Only finished rows ever go: a firing
 * alert, an undelivered outbox row (or one condensed into an undelivered
 * digest), an open ticket and its commit links stay whatever their age.
 */
const retentionSchema = z.strictObject({
  /** Stored log lines (syslog, files, the API), by when they arrived. */
  log_lines: maxAge('14d'),
  /** A cap on stored log lines whatever their age: the oldest go first. */
  max_log_rows: z.number().int().min(1000).optional(),
  /** Resolved alerts and their events, by when they resolved. */
  resolved_alerts: maxAge('180d'),
  /** Outbox rows delivered (or given up on) this long ago. */
  delivered_outbox: maxAge('7d'),
  /** Processed git ref updates (the record that makes a redelivered push post once). */
  git_pushes: maxAge('365d'),
  /** Host status changes. */
  status_history: maxAge('keep'),
  /** Closed tickets, with their events, watchers, hosts and commit links, by last update. */
  closed_tickets: maxAge('keep'),
});

export type RetentionConfig = z.infer<typeof retentionSchema>;

/**
 * A file path, or a postgres:// URL. Any other scheme is refused rather than
 * taken as a path: `mysql://db1/ops` must not quietly become a directory
 * named `mysql:` and a bot of its own.
 */
const databaseLocation = z
  .string()
  .min(1)
  .superRefine((v, ctx) => {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v)?.[1];
    if (!scheme) return;
    if (!/^postgres(ql)?$/i.test(scheme)) {
      ctx.addIssue({ code: 'custom', message: `unsupported URL scheme '${scheme}://': use a file path for SQLite, or postgres://user@host/database` });
      return;
    }
    let url: URL | null = null;
    try {
      url = new URL(v);
    } catch {
      /* reported below */
    }
    if (!url || !url.hostname) {
      ctx.addIssue({ code: 'custom', message: 'is not a valid postgres:// URL: expected postgres://user@host[:port]/database' });
    } else if (url.pathname.replace(/^\//, '') === '') {
      ctx.addIssue({ code: 'custom', message: 'names no database: expected postgres://user@host[:port]/database' });
    }
  });

export const configSchema = z.strictObject({
  /** An SQLite file path, or postgres://user@host/db for a shared store (a redundant pair). */
  database: databaseLocation.default('./data/opsbridge.db'),
  /** This node's name in a redundant pair: in /healthz, `!status` and the takeover message. */
  node: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'a host-like name: letters, digits, . _ -' })
    .default(() => hostname().split('.')[0] || 'opsbridge'),
  leadership: leadershipSchema.default(() => leadershipSchema.parse({})),
  timezone: timezone.default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .default({ level: 'info' }),
  http: z
    .strictObject({
      listen: listenAddress.default('127.0.0.1:8080'),
      token: z
        .string()
        .min(16, { message: 'must be at least 16 characters' })
        .refine((t) => Buffer.byteLength(t) <= 512, { message: 'must be at most 512 bytes' })
        .refine((t) => !/\s/.test(t), { message: 'must not contain spaces' })
        .optional(),
      public_url: z.url().optional(),
      /** Largest request body accepted; bigger ones get 413. */
      max_body_bytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(1024 * 1024),
    })
    .default({ listen: '127.0.0.1:8080', max_body_bytes: 1024 * 1024 }),
  commands: z
    .strictObject({
      prefix: z.string().min(1).max(3).regex(/^\S+$/, { message: 'must not contain spaces' }).default('!'),
    })
    .default({ prefix: '!' }),
  roles: z
    .strictObject({
      default: z.enum(ROLES).default('viewer'),
      admin: z.array(identity).default([]),
      operator: z.array(identity).default([]),
      viewer: z.array(identity).default([]),
    })
    .default({ default: 'viewer', admin: [], operator: [], viewer: [] }),
  irc: ircSchema.optional(),
  slack: slackSchema.optional(),
  bridges: bridgesSchema,
  /** The same person on IRC and Slack: mentions across a bridge, "mine" and assignees for tickets. */
  people: z.array(personSchema).default([]),
  alerts: alertsSchema.default(() => alertsSchema.parse({})),
  logs: logsSchema.default(() => logsSchema.parse({})),
  syslog: syslogSchema.default({}),
  tail: z.array(tailSchema).default([]),
  maintenance: maintenanceSchema.default(() => maintenanceSchema.parse({})),
  git: gitSchema.default(() => gitSchema.parse({})),
  tickets: ticketsSchema.default(() => ticketsSchema.parse({})),
  board: boardSchema.default(() => boardSchema.parse({})),
  retention: retentionSchema.default(() => retentionSchema.parse({})),
});

export type Config = z.infer<typeof configSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
