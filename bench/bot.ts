import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { buildCore, type Core } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { startTestBot, type TestBot } from '../test/helpers/bot.js';
import { RunningBot } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/ports.js';

/**
 * The ways a benchmark runs the bot: its core in-process (to fill a store or
 * time the dispatcher alone), the whole bot in-process, or `opsbridge start`
 * in its own process as production runs it. Configs are plain objects read
 * by the real config schema, so they follow the options the code has.
 */

/** The HTTP write token of every bot a benchmark starts. */
export const TOKEN = 'bench-token-0123456789';

const silent = () => pino({ level: 'silent' });

/** The core (store, services, dispatcher; no adapters, no HTTP) on `database`, silent, on the system clock. */
export function benchCore(database: string): Promise<Core> {
  return buildCore(parseConfig({ database, timezone: 'UTC' }, {}), { log: silent(), clock: systemClock });
}

/**
 * The whole bot in-process (test/helpers/bot.ts), returned once its IRC
 * adapter is in every configured channel and Slack, when configured, is
 * connected. `stop()` removes its store.
 */
export async function startBenchBot(config: Record<string, unknown>, timeoutMs = 30_000): Promise<TestBot> {
  const t = await startTestBot(config);
  const channels = (config.irc as { channels?: string[] } | undefined)?.channels ?? [];
  const ready = () => {
    const s = t.bot.chatStatus();
    const joined = (s.irc?.channels as string[] | undefined) ?? [];
    return channels.every((c) => joined.includes(c)) && (config.slack === undefined || s.slack?.connected === true);
  };
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) {
      const status = JSON.stringify(t.bot.chatStatus());
      await t.stop();
      throw new Error(`the bot was not in ${channels.join(', ') || 'its chats'} after ${timeoutMs} ms: ${status}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return t;
}

/** A temp directory with an `opsbridge.yaml` and the store it names, for `opsbridge start` in its own process. */
export interface BotProcess {
  dir: string;
  config: string;
  database: string;
  /** The HTTP API's port on 127.0.0.1 (write token: TOKEN). */
  port: number;
  /** The core on the same config and store, to fill the store before `start()`; close it first. */
  core(): Promise<Core>;
  /** Starts `opsbridge start` (build dist/ first), resolved once it says it is running. */
  start(timeoutMs?: number): Promise<RunningBot>;
  /** Stops the bot if it was started, and removes the directory. */
  cleanup(): Promise<void>;
}

/**
 * Writes the config: the store in the directory, errors-only logging, HTTP
 * on a free port with TOKEN, then `config`. With `unreachableIrc`, an IRC
 * server that is down, so what is routed to `irc:#…` is written to the
 * outbox (ingest's whole job) and waits there.
 */
export async function botProcess(name: string, config: Record<string, unknown>, opts: { unreachableIrc?: boolean } = {}): Promise<BotProcess> {
  const dir = mkdtempSync(join(tmpdir(), `opsbridge-bench-${name}-`));
  const database = join(dir, 'bot.db');
  const file = join(dir, 'opsbridge.yaml');
  const port = await freePort();
  const irc = opts.unreachableIrc ? { irc: { host: '127.0.0.1', port: await freePort(), tls: false } } : {};
  writeFileSync(file, stringify({ database, log: { level: 'error' }, http: { listen: `127.0.0.1:${port}`, token: TOKEN }, ...irc, ...config }));
  let bot: RunningBot | undefined;
  return {
    dir,
    config: file,
    database,
    port,
    core: () => buildCore(loadConfig(file).config, { log: silent(), clock: systemClock }),
    async start(timeoutMs = 10_000) {
      bot = RunningBot.start(['-c', file, 'start'], { cwd: dir });
      await bot.waitFor(/opsbridge is running/, timeoutMs);
      return bot;
    },
    async cleanup() {
      await bot?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
