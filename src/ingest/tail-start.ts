import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { LogService } from '../domain/logs/service.js';
import { compilePattern } from '../domain/routing/pattern.js';
import type { Sql } from '../store/sql.js';
import { StoreTailOffsets } from './tail-offsets.js';
import { FileTailer } from './tail.js';

/** A file to follow (a `tail:` entry of the config). */
export interface TailSource {
  path: string;
  to: readonly string[];
  /** Default: this machine's name. */
  host?: string;
  level: string;
  /** Post only the lines this /regex/ or glob matches; the rest are stored only. */
  match?: string;
}

/**
 * One tailer per source; the lines and the file position commit together.
 * `node`: this node's name in a redundant pair, whose positions are its own.
 */
export async function startTailers(
  sources: readonly TailSource[],
  d: { db: Sql; node?: string; clock: Clock; log: Logger; logs: LogService },
): Promise<FileTailer[]> {
  const offsets = new StoreTailOffsets(d.db, d.clock, d.node);
  const tailers: FileTailer[] = [];
  for (const t of sources) {
    const host = t.host ?? hostname();
    const wanted = t.match ? compilePattern(t.match) : undefined;
    const tailer = new FileTailer({
      path: t.path,
      offsets,
      log: d.log,
      onLines: async (lines, position) => {
        await d.logs.ingest(
          lines.map((message) => ({ source: 'tail', host, level: t.level, message })),
          { to: t.to, ...(wanted && { post: (l) => wanted(l.message) }), also: () => offsets.set(t.path, position) },
        );
      },
    });
    await tailer.start();
    tailers.push(tailer);
  }
  return tailers;
}
