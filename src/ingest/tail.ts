import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';

/** Where reading stopped: the file's inode (a string, so bigint inodes survive) and the bytes consumed up to the last line emitted. */
export interface TailPosition { inode: string; offset: number }

/** The positions onLines stored, looked up by path when a file is opened. */
export interface TailOffsets { get(path: string): Promise<TailPosition | undefined> }

export interface FileTailerOptions {
  path: string;
  offsets: TailOffsets;
  /**
   * Stores the lines AND the new position in one transaction (so after a crash, lines are neither lost nor read
   * twice). If it rejects, the tailer keeps its old position and retries later. Called with no lines when the
   * tailer only needs to record where it starts (a file seen for the first time). Calls never overlap.
   */
  onLines(lines: string[], position: TailPosition): Promise<void>;
  log: Logger;
  pollMs?: number;          // default 1000; fs.watch is used too when available, polling is the safety net
  maxLineBytes?: number;    // default 16 KiB: a longer line is cut into pieces
  maxBatchLines?: number;   // default 1000 lines per onLines call
}

const NL = 0x0a;
const CR = 0x0d;
const READ_CHUNK = 64 * 1024;

interface OpenFile { fd: FileHandle; inode: string; offset: number }

/**
 * Follows one log file like `tail -F`, and remembers its place through `onLines` so a restart neither replays
 * nor skips lines. Rotation is noticed by the path pointing at another inode; the old file stays open until it is
 * drained, so lines written just before a rename are not lost.
 */
export class FileTailer {
  private readonly path: string;
  private readonly offsets: TailOffsets;
  private readonly onLines: (lines: string[], position: TailPosition) => Promise<void>;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly maxLineBytes: number;
  private readonly maxBatchLines: number;
  private readonly buf = Buffer.alloc(READ_CHUNK);

  private file: OpenFile | undefined;
  /** The next open is the first: it resumes from the saved position, or starts at the end of the file. */
  private resume = true;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  /** The last poll in the chain (each starts when the one before ends), and the one not started yet, which new callers share. */
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  /** The last error logged, so a file that stays unreadable is reported once, not every poll. */
  private lastError: string | undefined;

  constructor(o: FileTailerOptions) {
    this.path = o.path;
    this.offsets = o.offsets;
    this.onLines = o.onLines;
    this.log = o.log.child({ tail: o.path });
    this.pollMs = o.pollMs ?? 1000;
    // Four bytes at least, so a piece can always hold a whole UTF-8 character.
    this.maxLineBytes = Math.max(4, o.maxLineBytes ?? 16 * 1024);
    this.maxBatchLines = Math.max(1, o.maxBatchLines ?? 1000);
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('a stopped FileTailer cannot be started again; create a new one');
    await this.poll();
    if (this.stopped) return; // stop() was called while the first read ran
    this.watch();
    this.timer = setInterval(() => {
      if (!this.watcher) this.watch();
      void this.poll();
    }, this.pollMs);
    // The tailer alone should not keep the process alive.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
    await this.file?.fd.close();
    this.file = undefined;
  }

  /** Reads whatever is new now. Never rejects: errors are logged and the next poll retries. */
  poll(): Promise<void> {
    // Reads are serialised: a poll asked for while one runs starts after it, and further callers share that one.
    if (!this.queued) {
      this.queued = this.running.then(() => {
        this.queued = undefined;
        return this.readNew();
      });
      this.running = this.queued;
    }
    return this.queued;
  }

  /** Watches the directory, not the file: a watch on the file would stay on the old inode after a rotation. */
  private watch(): void {
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) void this.poll();
      });
      this.watcher.on('error', (err) => {
        this.log.debug({ err }, 'directory watch failed; polling only until it is set up again');
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.log.debug({ err }, 'cannot watch the directory; polling only');
    }
  }

  private async readNew(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.file && !(await this.openFile())) return;
      while (this.file) {
        const file = this.file;
        // Look at the path before draining: anything written to the old file before the rename is then read below.
        const atPath = await this.inodeAtPath();
        const rotated = atPath !== undefined && atPath !== file.inode;
        if (!(await this.drain(file, rotated))) return;
        if (!rotated) break;
        this.log.info({ from: file.inode, to: atPath }, 'log file rotated');
        this.file = undefined;
        await file.fd.close();
        if (!(await this.openFile())) return;
      }
      this.lastError = undefined;
    } catch (err) {
      const key = (err as NodeJS.ErrnoException).code ?? String(err);
      if (key !== this.lastError) this.log.warn({ err }, 'cannot read the log file; retrying');
      this.lastError = key;
    }
  }

  /** Opens the file at the path and picks where to start; false when there is nothing to read (yet). */
  private async openFile(): Promise<boolean> {
    const saved = await this.offsets.get(this.path);
    let fd: FileHandle;
    try {
      fd = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Renamed while stopped and no new file yet: the rest of the old one may still be there.
      if (this.resume && saved && (await this.resumeRotated(saved))) return true;
      // A file that appears later is new: it is read from its start.
      this.resume = false;
      return false;
    }
    try {
      const st = await fd.stat({ bigint: true });
      // Offsets only mean something in a regular file (and a directory opens fine, then fails every read).
      if (!st.isFile()) throw new Error(`${this.path} is not a regular file`);
      const inode = String(st.ino);
      const size = Number(st.size);
      let offset = 0;
      if (this.resume && saved?.inode === inode) {
        // Shorter than where we stopped: truncated while we were down.
        offset = saved.offset <= size ? saved.offset : 0;
      } else if (this.resume && saved) {
        if (await this.resumeRotated(saved)) {
          await fd.close();
          return true;
        }
        this.log.warn({ saved: saved.inode, inode }, 'log file was rotated while stopped and the old one is gone; reading the new one from its start');
      } else if (this.resume) {
        offset = await this.lastLineEnd(fd, size);
      }
      this.resume = false;
      this.file = { fd, inode, offset };
      // Nothing saved yet: record the start now, or a restart before the first line would start at the end again and skip lines.
      if (!saved) await this.commit([], { inode, offset });
      return true;
    } catch (err) {
      await fd.close();
      throw err;
    }
  }

  /**
   * The saved file was rotated while stopped (or while this tailer lagged behind before a restart). If it is still
   * in the directory under another name (app.log.1, app.log-20240101), continue it first; readNew then moves on to
   * the file at the path.
   */
  private async resumeRotated(saved: TailPosition): Promise<boolean> {
    const dir = dirname(this.path);
    const name = basename(this.path);
    for (const entry of await readdir(dir)) {
      if (entry === name || !entry.startsWith(name)) continue;
      const st = await stat(join(dir, entry), { bigint: true }).catch(() => undefined);
      if (!st?.isFile() || String(st.ino) !== saved.inode) continue;
      this.log.info({ rotated: entry }, 'log file was rotated while stopped; finishing the old one first');
      const fd = await open(join(dir, entry), 'r');
      this.file = { fd, inode: saved.inode, offset: saved.offset <= Number(st.size) ? saved.offset : 0 };
      this.resume = false;
      return true;
    }
    return false;
  }

  /** Where the last complete line ends, so a line half-written at start is emitted whole once finished. */
  private async lastLineEnd(fd: FileHandle, size: number): Promise<number> {
    const from = Math.max(0, size - this.buf.length);
    const { bytesRead } = await fd.read(this.buf, 0, size - from, from);
    const nl = this.buf.subarray(0, bytesRead).lastIndexOf(NL);
    if (nl >= 0) return from + nl + 1;
    return from === 0 ? 0 : size;
  }

  private async inodeAtPath(): Promise<string | undefined> {
    try {
      return String((await stat(this.path, { bigint: true })).ino);
    } catch (err) {
      // Deleted, or renamed with no new file yet: keep reading the open one until another file appears.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Reads from the saved offset to the end of the file and hands over the complete lines, in batches.
   * `final`: the file was rotated away, so a partial last line will never be finished and is emitted as it is.
   * False when onLines threw (the position stays after the last batch it accepted).
   */
  private async drain(file: OpenFile, final: boolean): Promise<boolean> {
    if (Number((await file.fd.stat()).size) < file.offset) {
      this.log.info({ offset: file.offset }, 'log file truncated; reading it again from its start');
      file.offset = 0;
    }
    let lines: string[] = [];
    let end = file.offset;
    const flush = async (): Promise<boolean> => {
      if (lines.length > 0 && !(await this.commit(lines, { inode: file.inode, offset: end }))) return false;
      file.offset = end;
      lines = [];
      return true;
    };
    // One piece of a line: its bytes, and the file offset just after what it consumed.
    const emit = async (bytes: Buffer, after: number): Promise<boolean> => {
      if (bytes.length > 0) lines.push(bytes.toString('utf8'));
      end = after;
      return lines.length < this.maxBatchLines || flush();
    };
    // Cuts pieces off the front of an over-long line; returns what is left (at most maxLineBytes), or undefined if onLines threw.
    const cutLong = async (bytes: Buffer, start: number): Promise<Buffer | undefined> => {
      while (bytes.length > this.maxLineBytes) {
        const cut = utf8Boundary(bytes, this.maxLineBytes);
        if (!(await emit(bytes.subarray(0, cut), start + cut))) return undefined;
        bytes = bytes.subarray(cut);
        start += cut;
      }
      return bytes;
    };

    // `carry` holds the unfinished line; it starts at file offset `carryStart`.
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = file.offset;
    let pos = file.offset;
    while (!this.stopped) {
      const { bytesRead } = await file.fd.read(this.buf, 0, this.buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = Buffer.concat([carry, this.buf.subarray(0, bytesRead)]);
      let start = 0;
      for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
        const line = data.subarray(start, data[nl - 1] === CR ? nl - 1 : nl);
        const rest = await cutLong(line, carryStart + start);
        if (!rest || !(await emit(rest, carryStart + nl + 1))) return false;
        start = nl + 1;
      }
      // Cut an endless line now rather than hold it all in memory.
      const rest = await cutLong(data.subarray(start), carryStart + start);
      if (!rest) return false;
      carryStart += data.length - rest.length;
      carry = rest; // safe to keep: Buffer.concat copied it out of `buf`, which the next read overwrites
    }
    if (final && carry.length > 0 && !(await emit(carry, carryStart + carry.length))) return false;
    return flush();
  }

  /** Hands lines and position to the store; false (logged) when it refuses. */
  private async commit(lines: string[], position: TailPosition): Promise<boolean> {
    try {
      await this.onLines(lines, position);
      return true;
    } catch (err) {
      this.log.warn({ err, lines: lines.length }, 'storing log lines failed; retrying on the next poll');
      return false;
    }
  }
}

/** The largest cut ≤ max that does not split a UTF-8 character (a continuation byte looks like 10xxxxxx). */
function utf8Boundary(bytes: Buffer, max: number): number {
  for (let cut = max; cut > max - 4; cut--) {
    if (((bytes[cut] ?? 0) & 0xc0) !== 0x80) return cut;
  }
  return max; // not valid UTF-8 here anyway: any cut will do
}
