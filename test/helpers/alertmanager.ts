/**
 * A real Prometheus Alertmanager for tests (Debian's `prometheus-alertmanager`, 0.25.0 when
 * this was written; `alertmanager` on PATH is used when the Debian name is missing).
 *
 * Facts this relies on (checked against 0.25.0):
 *   - `webhook_configs[].http_config.authorization: { type: Bearer, credentials }` is accepted
 *     and sent as `Authorization: Bearer <credentials>`; the User-Agent is `Alertmanager/<version>`.
 *   - `group_wait: 0s` is accepted, `group_interval: 0s` is not ("group_interval cannot be zero").
 *   - `--cluster.listen-address=` (empty) turns off clustering; otherwise it binds 0.0.0.0:9094.
 *   - `GET /-/ready` answers 200 once it serves; alerts go to `POST /api/v2/alerts` (JSON array).
 *   - An alert posted with `endsAt` in the past is resolved; with `send_resolved` the next flush
 *     of its group (group_interval later) sends it with `status: "resolved"`.
 *   - Firing alerts posted without `endsAt` arrive with `endsAt: "0001-01-01T00:00:00Z"`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';

export interface AlertmanagerOptions {
  /** Where the single receiver's webhook posts notifications. */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>`; no Authorization header when omitted. */
  token?: string;
  /**
   * Route `group_by`. Omitted: Alertmanager's default, every alert in one group
   * (groupKey `{}:{}`). `['...']` groups by all labels (one alert per notification).
   */
  groupBy?: string[];
  /** Default `1s`: alerts posted together (without an old `startsAt`) land in one notification. */
  groupWait?: string;
  /** Default `1s` (the minimum; `0s` is rejected). Changes to a group are sent this often. */
  groupInterval?: string;
  /** Default `1h`, so unchanged groups are not re-sent during a test. */
  repeatInterval?: string;
  /** Default true. */
  sendResolved?: boolean;
}

export interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339; Alertmanager uses the receive time when omitted. */
  startsAt?: string;
  /** RFC 3339; in the past = resolved. */
  endsAt?: string;
  generatorURL?: string;
}

export interface Alertmanager {
  /** Base URL, `http://127.0.0.1:<port>`; also its `--web.external-url` (the payloads' `externalURL`). */
  url: string;
  /** POST /api/v2/alerts */
  postAlerts(alerts: PostedAlert[]): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s, then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startAlertmanager(o: AlertmanagerOptions): Promise<Alertmanager> {
  const bin = findBinary();
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-alertmanager-'));
  try {
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, configYaml(o));
    // freePort() can race with another process taking the port: retry on a bind failure.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return await launch(bin, dir, configFile, port);
      } catch (err) {
        if (attempt < 3 && err instanceof Error && /address already in use/i.test(err.message)) continue;
        throw err;
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function configYaml(o: AlertmanagerOptions): string {
  const route: Record<string, unknown> = {
    receiver: 'opsbridge',
    ...(o.groupBy && { group_by: o.groupBy }),
    group_wait: o.groupWait ?? '1s',
    group_interval: o.groupInterval ?? '1s',
    repeat_interval: o.repeatInterval ?? '1h',
  };
  const webhook: Record<string, unknown> = {
    url: o.webhookUrl,
    send_resolved: o.sendResolved ?? true,
    ...(o.token !== undefined && { http_config: { authorization: { type: 'Bearer', credentials: o.token } } }),
  };
  return stringify({ route, receivers: [{ name: 'opsbridge', webhook_configs: [webhook] }] });
}

async function launch(bin: string, dir: string, configFile: string, port: number): Promise<Alertmanager> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  // Do not leave a stray Alertmanager behind when the test process exits without stop().
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  const stopChild = async () => {
    process.removeListener('exit', onExit);
    await terminate(child);
  };

  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (spawnError) throw new Error(`could not run ${bin}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`alertmanager exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log}`);
      }
      if (await isReady(url)) break;
      if (Date.now() > deadline) throw new Error(`alertmanager not ready on ${url} after ${START_TIMEOUT_MS} ms:\n${log}`);
      await sleep(50);
    }
  } catch (err) {
    await stopChild();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`POST /api/v2/alerts: HTTP ${res.status}: ${await res.text()}`);
      await res.arrayBuffer().catch(() => undefined);
    },
    stop() {
      stopped ??= stopChild().finally(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

function findBinary(): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ['prometheus-alertmanager', 'alertmanager']) {
    for (const d of [...dirs, '/usr/bin', '/usr/local/bin']) {
      const p = join(d, name);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // keep looking
      }
    }
  }
  throw new Error('prometheus-alertmanager not found: run `sh scripts/install-test-deps.sh`');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
