import { appendFileSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTailer, type FileTailerOptions, type TailPosition } from '../../src/ingest/tail.js';
import { fixedClock } from '../../src/clock.js';
import { StoreTailOffsets } from '../../src/ingest/tail-offsets.js';
import { migrationsDir } from '../../src/paths.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { openSqlite } from '../../src/store/sqlite.js';

let dir: string;
let path: string;
const running: FileTailer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-tail-'));
  path = join(dir, 'app.log');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
  rmSync(dir, { recursive: true, force: true });
});

type Tail = { tailer: FileTailer; got: string[]; saved: Map<string, TailPosition>; warnings: string[] };

/**
 * A started tailer whose onLines behaves like the store: lines and position
 * saved together in `saved`. `file` is written to the path first; without
 * it the path is left as it is (missing, or prepared by the test).
 */
async function startTail(opts: Partial<FileTailerOptions> & { file?: string; saved?: Map<string, TailPosition> } = {}): Promise<Tail> {
  const { file, saved = new Map<string, TailPosition>(), ...options } = opts;
  if (file !== undefined) writeFileSync(path, file);
  const got: string[] = [];
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void warnings.push((JSON.parse(s) as { msg: string }).msg) });
  const tailer = new FileTailer({
    path,
    offsets: { get: async (p) => saved.get(p) },
    onLines: async (lines, position) => {
      got.push(...lines);
      saved.set(path, position);
    },
    log,
    pollMs: 60_000, // tests drive reads with poll(), except where the watch or the timer is under test
    ...options,
  });
  running.push(tailer);
  await tailer.start();
  return { tailer, got, saved, warnings };
}

/** Stops `before`, does `whileDown` to the file, and starts a new tailer from the positions `before` saved. */
async function restart(before: Tail, whileDown: () => void): Promise<Tail> {
  await before.tailer.stop();
  whileDown();
  return startTail({ saved: before.saved });
}

/** Waits until `cond` holds, failing after a deadline instead of sleeping a fixed time. */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const inode = (p: string) => String(statSync(p, { bigint: true }).ino);

describe('FileTailer: reading', () => {
  it('starts at the end of an existing file, then reads appended lines', async () => {
    const { tailer, got } = await startTail({ file: 'old 1\nold 2\n' });
    await tailer.poll();
    expect(got).toEqual([]);
    appendFileSync(path, 'new 1\nnew 2\n');
    await tailer.poll();
    expect(got).toEqual(['new 1', 'new 2']);
  });

  it('emits a line half-written at start whole, once it is finished', async () => {
    const { tailer, got } = await startTail({ file: 'done\nhal' });
    appendFileSync(path, 'f\n');
    await tailer.poll();
    expect(got).toEqual(['half']);
  });

  it('waits for a partial line to end, strips \\r before \\n and skips blank lines', async () => {
    const { tailer, got, saved } = await startTail({ file: '' });
    appendFileSync(path, 'ab');
    await tailer.poll();
    expect(got).toEqual([]);
    appendFileSync(path, 'c\r\n\n\r\nd');
    await tailer.poll();
    expect(got).toEqual(['abc']);
    expect(saved.get(path)?.offset).toBe('abc\r\n\n\r\n'.length);
    appendFileSync(path, 'e\n');
    await tailer.poll();
    expect(got).toEqual(['abc', 'de']);
  });

  it('waits for a file that does not exist yet, then reads it from its start', async () => {
    const { tailer, got } = await startTail();
    await tailer.poll();
    writeFileSync(path, 'first\nsecond\n');
    await tailer.poll();
    expect(got).toEqual(['first', 'second']);
  });

  it('cuts a huge line into pieces, also while it is still being written', async () => {
    const { tailer, got } = await startTail({ file: '' });
    const huge = 'x'.repeat(40_000);
    appendFileSync(path, huge.slice(0, 20_000));
    await tailer.poll();
    expect(got).toEqual(['x'.repeat(16 * 1024)]);
    appendFileSync(path, `${huge.slice(20_000)}\nnext\n`);
    await tailer.poll();
    expect(got.map((l) => l.length)).toEqual([16_384, 16_384, 7_232, 4]);
    expect(got.slice(0, 3).join('')).toBe(huge);
  });

  it('does not cut a multi-byte character in two', async () => {
    const { tailer, got } = await startTail({ file: '', maxLineBytes: 1001 });
    const line = 'é'.repeat(1500); // two bytes each: 1001 is never a boundary
    appendFileSync(path, `${line}\n`);
    await tailer.poll();
    expect(got.length).toBeGreaterThan(1);
    expect(got.join('')).toBe(line);
  });

  it('decodes invalid UTF-8 as U+FFFD', async () => {
    const { tailer, got } = await startTail({ file: '' });
    appendFileSync(path, Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x0a, 0xe2, 0x82, 0xac, 0x0a]));
    await tailer.poll();
    expect(got).toEqual(['a\uFFFDb\uFFFD', '€']);
  });

  it('hands over at most maxBatchLines lines per call', async () => {
    const batches: number[] = [];
    const { tailer } = await startTail({ file: '', maxBatchLines: 3, onLines: async (lines) => void batches.push(lines.length) });
    appendFileSync(path, 'a\nb\nc\nd\ne\nf\ng\n');
    await tailer.poll();
    expect(batches.filter((n) => n > 0)).toEqual([3, 3, 1]);
  });
});

describe('FileTailer: rotation', () => {
  it('drains the old file after rename-and-create, then reads the new one from its start', async () => {
    const writer = openSync(path, 'a');
    const { tailer, got, saved } = await startTail();
    writeSync(writer, 'before 1\n');
    renameSync(path, `${path}.1`);
    // The application still writes to its open file until it reopens.
    writeSync(writer, 'before 2\nno newline');
    closeSync(writer);
    writeFileSync(path, 'after 1\n');
    await tailer.poll();
    expect(got).toEqual(['before 1', 'before 2', 'no newline', 'after 1']);
    appendFileSync(path, 'after 2\n');
    await tailer.poll();
    expect(got).toEqual(['before 1', 'before 2', 'no newline', 'after 1', 'after 2']);
    expect(saved.get(path)).toEqual({ inode: inode(path), offset: 'after 1\nafter 2\n'.length });
  });

  it('keeps reading the renamed file while no new one exists yet', async () => {
    const writer = openSync(path, 'a');
    const { tailer, got } = await startTail();
    renameSync(path, `${path}.1`);
    writeSync(writer, 'late\n');
    await tailer.poll();
    expect(got).toEqual(['late']);
    writeSync(writer, 'later\n');
    closeSync(writer);
    writeFileSync(path, 'new\n');
    await tailer.poll();
    expect(got).toEqual(['late', 'later', 'new']);
  });

  it('starts again at 0 after copy-truncate', async () => {
    const { tailer, got } = await startTail({ file: '' });
    appendFileSync(path, 'one\ntwo\n');
    await tailer.poll();
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'c\n');
    await tailer.poll();
    expect(got).toEqual(['one', 'two', 'c']);
  });

  it('survives the file being deleted and picks it up when it reappears', async () => {
    const { tailer, got, warnings } = await startTail({ file: '' });
    appendFileSync(path, 'x\n');
    await tailer.poll();
    unlinkSync(path);
    await tailer.poll();
    await tailer.poll();
    writeFileSync(path, 'y\n');
    await tailer.poll();
    expect(got).toEqual(['x', 'y']);
    expect(warnings).toEqual([]);
  });

  it('notices a rotation by itself, through the watch or the poll timer', async () => {
    const { tailer, got } = await startTail({ file: '', pollMs: 50 });
    appendFileSync(path, 'a\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b\n');
    await until(() => got.length === 2);
    expect(got).toEqual(['a', 'b']);
  });
});

describe('FileTailer: restart', () => {
  it('resumes from the saved position: the new lines, none twice', async () => {
    const first = await startTail({ file: 'history\n' });
    appendFileSync(path, '1\n2\n');
    await first.tailer.poll();
    const second = await restart(first, () => appendFileSync(path, '3\n4\n'));
    expect(first.got).toEqual(['1', '2']);
    expect(second.got).toEqual(['3', '4']);
  });

  it('records where it started, so lines written before the first one arrives are not skipped after a restart', async () => {
    const first = await startTail({ file: 'history\n' });
    const second = await restart(first, () => appendFileSync(path, 'while down\n'));
    expect(second.got).toEqual(['while down']);
  });

  it('finishes the old file, then reads the new one from its start, when it was rotated while stopped', async () => {
    const first = await startTail({ file: '' });
    appendFileSync(path, '1\n');
    await first.tailer.poll();
    const second = await restart(first, () => {
      appendFileSync(path, '2\nno newline');
      renameSync(path, `${path}.1`);
      writeFileSync(path, 'new 1\nnew 2\n');
    });
    expect(first.got).toEqual(['1']);
    expect(second.got).toEqual(['2', 'no newline', 'new 1', 'new 2']);
    expect(second.saved.get(path)).toEqual({ inode: inode(path), offset: 12 });
  });

  it('finishes the renamed file when no new one exists yet at restart', async () => {
    const first = await startTail({ file: '' });
    const second = await restart(first, () => {
      appendFileSync(path, 'last\n');
      renameSync(path, `${path}.1`);
    });
    expect(second.got).toEqual(['last']);
    writeFileSync(path, 'new\n');
    await second.tailer.poll();
    expect(second.got).toEqual(['last', 'new']);
  });

  it('reads the new file from its start when the old one is gone', async () => {
    const first = await startTail({ file: '' });
    appendFileSync(path, '1\n');
    await first.tailer.poll();
    const second = await restart(first, () => {
      renameSync(path, `${path}.1.gz`); // hold the old inode, so the new file cannot reuse it
      writeFileSync(path, 'new 1\n');
      rmSync(`${path}.1.gz`);
    });
    expect(second.got).toEqual(['new 1']);
    expect(second.warnings).toHaveLength(1);
  });

  it('reads from 0 when the file was truncated while stopped', async () => {
    const first = await startTail({ file: '' });
    appendFileSync(path, 'a long first line\n');
    await first.tailer.poll();
    const second = await restart(first, () => writeFileSync(path, 'short\n'));
    expect(second.got).toEqual(['short']);
  });
});

describe('FileTailer: failures', () => {
  it('keeps its position when onLines throws, and delivers each line once on retry', async () => {
    const saved = new Map<string, TailPosition>();
    const got: string[] = [];
    let calls = 0;
    const { tailer, warnings } = await startTail({
      file: '',
      saved,
      maxBatchLines: 2,
      onLines: async (lines, position) => {
        // The second batch fails once; a failing store keeps neither lines nor position.
        if (lines.length > 0 && ++calls === 2) throw new Error('database is locked');
        got.push(...lines);
        saved.set(path, position);
      },
    });
    appendFileSync(path, 'a\nb\nc\nd\ne\n');
    await tailer.poll();
    expect(got).toEqual(['a', 'b']);
    expect(warnings).toHaveLength(1);
    await tailer.poll();
    expect(got).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(saved.get(path)?.offset).toBe(10);
  });

  it('logs an unreadable path once, keeps polling and recovers', async () => {
    const { tailer, got, warnings } = await startTail({ file: '' });
    appendFileSync(path, 'a\n');
    renameSync(path, `${path}.1`);
    mkdirSync(path); // not a file: cannot be tailed
    await tailer.poll();
    await tailer.poll();
    expect(got).toEqual(['a']);
    expect(warnings).toEqual(['cannot read the log file; retrying']);
    rmSync(path, { recursive: true });
    writeFileSync(path, 'b\n');
    await tailer.poll();
    expect(got).toEqual(['a', 'b']);
  });
});

describe('FileTailer: watching', () => {
  it('notices appended lines through fs.watch, without waiting for the poll timer', async () => {
    const { tailer, got } = await startTail({ file: '', pollMs: 3_600_000 });
    appendFileSync(path, 'seen\n');
    await until(() => got.length === 1);
    expect(got).toEqual(['seen']);
  });

  it('delivers 10,000 lines written quickly, all in order', async () => {
    const { tailer, got } = await startTail({ file: '', pollMs: 50 });
    const expected = Array.from({ length: 10_000 }, (_, i) => `line ${i} ${'.'.repeat(i % 50)}`);
    const writer = openSync(path, 'a');
    for (let i = 0; i < expected.length; i += 7) writeSync(writer, expected.slice(i, i + 7).map((l) => `${l}\n`).join(''));
    closeSync(writer);
    await until(() => got.length >= expected.length, 10_000);
    expect(got).toEqual(expected);
  });
});

describe('tail positions in the store', () => {
  it("keeps each node's positions apart, and one node adopts the position saved before nodes had names", async () => {
    const db = openSqlite(':memory:');
    const clock = fixedClock('2026-11-25T12:00:00Z');
    try {
      await migrate(db, readMigrations(migrationsDir('sqlite')));
      const file = '/var/log/app/error.log';
      await db.run(`INSERT INTO tail_offsets (node, path, inode, "offset", updated_at) VALUES ('', ?, '42', 100, '2026-01-01T00:00:00.000Z')`, [file]);
      const a = new StoreTailOffsets(db, clock, 'web-a');
      const b = new StoreTailOffsets(db, clock, 'web-b');
      expect(await a.get(file)).toEqual({ inode: '42', offset: 100 });
      await db.tx(() => a.set(file, { inode: '42', offset: 250 }));
      expect(await a.get(file)).toEqual({ inode: '42', offset: 250 });
      // web-a took the old position over: web-b, which never read the file, starts afresh.
      expect(await b.get(file)).toBeUndefined();
      await b.set(file, { inode: '7', offset: 10 });
      expect(await a.get(file)).toEqual({ inode: '42', offset: 250 });
      expect(await b.get(file)).toEqual({ inode: '7', offset: 10 });
    } finally {
      await db.close();
    }
  });
});
