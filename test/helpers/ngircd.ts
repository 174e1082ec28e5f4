import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface NgircdOptions {
  /**
   * Keep ngircd's flood penalty (about 3 lines/s per client). Off by default,
   * `MaxPenaltyTime = 0`, for tests that are not about flooding.
   */
  penalty?: boolean;
  /** Also listen with TLS, with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  pingTimeout?: number;
}

export interface Ngircd {
  port: number;
  tlsPort?: number;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A real ngircd on a free loopback port, with a generated config, in the foreground. */
export async function startNgircd(opts: NgircdOptions = {}): Promise<Ngircd> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-ngircd-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  const conf = join(dir, 'ngircd.conf');
  writeFileSync(
    conf,
    [
      '[Global]',
      'Name = irc.test',
      'Info = opsbridge test server',
      'Listen = 127.0.0.1',
      `Ports = ${port}`,
      'MotdPhrase = test server',
      '[Limits]',
      'MaxConnectionsIP = 0',
      'MaxNickLength = 30',
      `PingTimeout = ${opts.pingTimeout ?? 120}`,
      'PongTimeout = 20',
      ...(opts.penalty ? [] : ['MaxPenaltyTime = 0']),
      '[Options]',
      'DNS = no',
      'Ident = no',
      'PAM = no',
      'OperCanUseMode = yes',
      ...(opts.tls ? ['[SSL]', `CertFile = ${opts.tls.certFile}`, `KeyFile = ${opts.tls.keyFile}`, `Ports = ${tlsPort}`] : []),
      '',
    ].join('\n'),
  );
  chmodSync(conf, 0o644);

  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    child = spawn('ngircd', ['-n', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForPort(port, () => `ngircd did not start:\n${log}`);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    ...(tlsPort !== undefined && { tlsPort }),
    kill,
    restart: start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, failure: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(failure());
}
