/**
 * A test daemon in the foreground, tied to this process so that it cannot
 * outlive a crashed test run (see WATCHDOG).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';

export interface Daemon {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  exitInfo: () => string | undefined;
}

/**
 * Runs the daemon under a small sh wrapper that holds a pipe from this
 * process: when the pipe closes — stop() ends it, or the test process dies
 * for any reason, even SIGKILL — the wrapper sends the daemon SIGTERM, then
 * SIGKILL after 5 s. So a crashed test run cannot leave daemons behind.
 * The wrapper exits with the daemon's status.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" 3<&- </dev/null &',
  'pid=$!',
  '( read -r line <&3; kill -TERM "$pid" 2>/dev/null; sleep 5; kill -KILL "$pid" 2>/dev/null ) &',
  'rpid=$!',
  'wait "$pid"; code=$?',
  'kill "$rpid" 2>/dev/null',
  'exit "$code"',
].join('\n');

export function startDaemon(name: string, bin: string, args: string[], outFile: string, cwd: string): Daemon {
  const fd = openSync(outFile, 'a');
  let info: string | undefined;
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'watchdog', bin, ...args], { cwd, stdio: ['pipe', fd, fd] });
  closeSync(fd);
  child.stdin?.on('error', () => {
    /* EPIPE once the wrapper is gone */
  });
  // A forgotten stop() must not keep the test process alive; its exit closes the pipe anyway.
  child.unref();
  (child.stdin as unknown as Socket | null)?.unref(); // stdio pipes are net.Sockets
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      info = `failed to start: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      info = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });
  return { name, child, exited, exitInfo: () => info };
}

export async function stopDaemon(d: Daemon): Promise<void> {
  if (d.exitInfo() !== undefined) return;
  d.child.stdin?.end(); // the watchdog TERMs the daemon (KILL after 5 s)
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 10_000);
  await d.exited;
  clearTimeout(timer);
}

