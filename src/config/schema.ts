import { z } from 'zod';
import { ROLES } from '../chat/permissions.js';

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

const timezone = z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as Asia/Tokyo or UTC' });

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
