import { z } from 'zod';
import { ROLES } from '../chat/permissions.js';
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
const ircNick = z.string().regex(/^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,29}$/, { message: 'expected an IRC nick' });

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

const channelAddress = z.string().regex(/^(console|irc:[#&][^\s,\x07]{1,49}|slack:#?[a-z0-9][a-z0-9._-]{0,79}|slack:[CG][A-Z0-9]{2,})$/, {
  message: 'expected a channel address: irc:#name, slack:#name, slack:CXXXX',
});

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

export const configSchema = z.strictObject({
  database: z.string().min(1).default('./data/opsbridge.db'),
  timezone: timezone.default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .default({ level: 'info' }),
  http: z
    .strictObject({
      listen: listenAddress.default('127.0.0.1:8080'),
      token: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
      public_url: z.url().optional(),
    })
    .default({ listen: '127.0.0.1:8080' }),
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
  /** The same person on IRC and Slack: mentions across a bridge (and, later, "mine" for tickets). */
  people: z.array(personSchema).default([]),
});

export type Config = z.infer<typeof configSchema>;

export function parseListen(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: (m[1] ?? m[2])!, port };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
