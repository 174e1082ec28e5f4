import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { makeCerts } from '../helpers/certs.js';
import { startNgircd, type Ngircd } from '../helpers/ngircd.js';

let dir: string;
let server: Ngircd;
let certs: ReturnType<typeof makeCerts>;
let testBot: TestBot | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-tls-'));
  chmodSync(dir, 0o755);
  certs = makeCerts(dir);
  server = await startNgircd({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await testBot?.stop();
  testBot = undefined;
});

const tlsConfig = (extra: Record<string, unknown>) => ({
  irc: { host: '127.0.0.1', port: server.tlsPort, tls: true, channels: ['#ops'], ...extra },
});

describe('IRC over TLS', () => {
  it('connects when the server certificate verifies against the configured CA', async () => {
    testBot = await startTestBot(tlsConfig({ ca_file: certs.caFile }));
    await eventually(() => (testBot!.bot.chatStatus().irc!.channels as string[]).includes('#ops'), 'the bot in #ops over TLS');
  });

  it('refuses a certificate it cannot verify, and keeps retrying', async () => {
    testBot = await startTestBot(tlsConfig({}));
    await eventually(() => testBot!.logs.some((l) => l.msg === 'IRC connection lost; reconnecting'), 'a failed attempt');
    expect(testBot.bot.chatStatus().irc!.connected).toBe(false);
    const errors = JSON.stringify(testBot.logs);
    expect(errors).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });
});
