import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino, type Logger } from 'pino';
import { startBot, type Bot } from '../../src/app.js';
import { text } from '../../src/chat/rich-text.js';
import { parseConfig } from '../../src/config/load.js';

export interface TestBot {
  bot: Bot;
  dir: string;
  /** Everything logged, as parsed JSON lines. */
  logs: Record<string, unknown>[];
  /** Puts a message in the outbox, as an alert or `opsbridge run` would. */
  post(channel: string, message: string, priority?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The whole bot in-process (store, dispatcher, delivery, adapters, HTTP on a
 * free port) with a temp database; `dir` reuses an earlier bot's database.
 */
export async function startTestBot(config: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), 'opsbridge-bot-'))): Promise<TestBot> {
  const logs: Record<string, unknown>[] = [];
  const log: Logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
  const cfg = parseConfig({ database: join(dir, 'bot.db'), timezone: 'UTC', http: { listen: '127.0.0.1:0' }, ...config }, {});
  const bot = await startBot(cfg, { log, stdin: new PassThrough(), stdout: new PassThrough() });
  return {
    bot,
    dir,
    logs,
    post: (channel, message, priority = 0) => bot.core.outbox.enqueue({ channel, body: text(message), priority }),
    async stop() {
      await bot.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `cond` holds; fails with `what` after the timeout. */
export async function eventually(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
