/**
 * A real PostgreSQL server for tests: Debian's `postgresql` package, a
 * throwaway cluster (`initdb`) in a temp dir, listening on a free loopback
 * port. PostgreSQL refuses to run as root, so as root the cluster belongs to
 * the `postgres` system user and every server program runs through
 * `runuser`. Clients log in over TCP with a password (scram-sha-256), as a
 * real deployment does; the harness itself uses the Unix socket in the temp
 * dir. `fsync=off`: a test cluster need not survive power loss.
 *
 * Startup (initdb included) takes about 1.5 s. The server runs under the
 * same watchdog as the IRC daemons, so it dies with the test process.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopDaemon, type Daemon } from './daemon.js';
import { freePort } from './ports.js';

/** The newest PostgreSQL the Debian package installed (15 on bookworm). */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

export interface Postgres {
  port: number;
  /** The role the bot logs in as, and its password. */
  user: string;
  password: string;
  /** `postgres://opsbridge:…@127.0.0.1:PORT/NAME`: a database made by createDatabase(). */
  url(database: string): string;
  /** A fresh, empty database owned by the bot's role; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL as the superuser over the Unix socket (psql, no client library). */
  psql(sql: string, database?: string): string;
  /** A crash: `pg_ctl stop -m immediate` (no checkpoint, every connection cut). */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'opsbridge';
const PASSWORD = 'test-password-9f3c';
let databases = 0;

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed: run scripts/install-test-deps.sh (Debian package postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'opsbridge-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const as = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
  const run = (program: string, args: string[]): string => {
    const [cmd, argv] = as(program, args);
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };

  run('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  let daemon: Daemon | undefined;

  const start = async (): Promise<void> => {
    const [cmd, argv] = as('postgres', [
      '-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ]);
    daemon = startDaemon('postgres', cmd, argv, join(dir, 'postgres.log'), dir);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        run('pg_isready', ['-q', '-h', dir, '-p', String(port)]);
        return;
      } catch {
        const exited = daemon.exitInfo();
        if (exited || Date.now() > deadline) throw new Error(`PostgreSQL did not start (${exited ?? 'timeout'}); see ${join(dir, 'postgres.log')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await start();

  const psql = (sql: string, database = 'postgres'): string =>
    run('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-c', sql]);
  psql(`CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD}'`);

  const url = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    user: USER,
    password: PASSWORD,
    url,
    psql,
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      psql(`CREATE DATABASE ${name} OWNER ${USER}`);
      return url(name);
    },
    async crash() {
      run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      if (daemon) await daemon.exited;
    },
    async restart() {
      if (daemon && !daemon.exitInfo()) return;
      await start();
    },
    async stop() {
      if (daemon && !daemon.exitInfo()) await stopDaemon(daemon);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
