import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildCore, type Core } from '../../src/app.js';
import type { Reply } from '../../src/chat/command.js';
import { renderPlain } from '../../src/chat/render/plain.js';
import { fixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { startPostgres, type Postgres } from './postgres.js';

/**
 * The engine the store and domain tests run on: SQLite by default, and a
 * real PostgreSQL with OPSBRIDGE_TEST_ENGINE=postgres (`npm test` runs
 * those files both ways). One cluster per test worker, a fresh database per core.
 */
export const TEST_ENGINE = process.env.OPSBRIDGE_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
let cluster: Promise<Postgres> | undefined;

async function testDatabase(dir: string): Promise<string> {
  if (TEST_ENGINE === 'sqlite') return join(dir, 'test.db');
  cluster ??= startPostgres();
  return (await cluster).createDatabase();
}

export interface TestCore extends Core {
  dir: string;
  clock: ReturnType<typeof fixedClock>;
  /** Sends a chat line as a user and returns the reply (null when the bot ignores it). */
  chat(text: string, user?: { name?: string; identity?: string; channel?: string }): Promise<Reply | null>;
  /** The reply as plain text; fails the test when the bot ignored the line. */
  ask(text: string, user?: { name?: string; identity?: string; channel?: string }): Promise<{ text: string; ok: boolean; private: boolean }>;
  cleanup(): Promise<void>;
}

/** A real core (store, migrations, dispatcher) in a temp directory, with a fixed clock. */
export async function testCore(configOverrides: Record<string, unknown> = {}): Promise<TestCore> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-test-'));
  const config = parseConfig({ database: await testDatabase(dir), timezone: 'UTC', ...configOverrides }, {});
  const clock = fixedClock('2026-11-25T12:00:00Z');
  const core = await buildCore(config, { log: pino({ level: 'silent' }), clock });
  const chat: TestCore['chat'] = (text, user = {}) =>
    core.dispatcher.handle({
      platform: user.channel?.startsWith('irc:') ? 'irc' : 'console',
      channel: user.channel ?? 'irc:#ops',
      user: { id: user.name ?? 'alice', name: user.name ?? 'alice', ...(user.identity !== undefined && { identity: user.identity }) },
      text,
      receivedAt: clock.now(),
    });
  return {
    ...core,
    dir,
    clock,
    chat,
    async ask(text, user) {
      const r = await chat(text, user);
      if (!r) throw new Error(`the bot ignored ${JSON.stringify(text)}`);
      return { text: renderPlain(r.body), ok: r.ok, private: r.private === true };
    },
    async cleanup() {
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A few hosts in the import CSV format. */
export const SAMPLE_CSV = `name,fqdn,ips,roles,service,dc,rack,status,cpu,memory_gb,model,os,tags,notes
web01,web01.example.net,10.2.0.11 2001:db8::11,blog:app,blog,tokyo1,r12,working,16,64,Dell R640,Debian 12,frontend,
web02,web02.example.net,10.2.0.12,blog:app,blog,tokyo1,r12,standby,16,64,Dell R640,Debian 12,frontend,
web10,web10.example.net,10.2.1.10,blog:app,blog,tokyo1,r13,working,16,64,Dell R640,Debian 12,frontend,
db12,db12.example.net,10.3.0.12,db:master,blog,osaka1,r02,working,32,256,Dell R740,Debian 12,database,"primary; failover to db13"
db13,db13.example.net,10.3.0.13,db:slave,blog,osaka1,r02,poweroff,32,256,Dell R740,Debian 12,database,
`;
